;; Five invoices, three vendors, two large amounts.
(define (problem p04)
  (:domain documents)
  (:objects
    inv1 inv2 inv3 inv4 inv5 - invoice
    acme globex initech - vendor)
  (:init
    (received inv1) (issued-by inv1 acme)
    (received inv2) (issued-by inv2 acme) (large inv2)
    (received inv3) (issued-by inv3 globex) (classified inv3) (extracted inv3)
    (received inv4) (issued-by inv4 initech) (large inv4)
    (received inv5) (issued-by inv5 initech)
  )
  (:goal (and
    (paid inv1)
    (paid inv2)
    (paid inv3)
    (paid inv4)
    (approved inv5)
  )))
