;; Month-end batch: eight invoices, four vendors, three large amounts.
(define (problem p05)
  (:domain documents)
  (:objects
    inv1 inv2 inv3 inv4 inv5 inv6 inv7 inv8 - invoice
    acme globex initech umbrella - vendor)
  (:init
    (received inv1) (issued-by inv1 acme)
    (received inv2) (issued-by inv2 acme) (large inv2)
    (received inv3) (issued-by inv3 globex)
    (received inv4) (issued-by inv4 globex) (classified inv4)
    (received inv5) (issued-by inv5 initech) (large inv5)
    (received inv6) (issued-by inv6 initech)
    (received inv7) (issued-by inv7 umbrella) (large inv7)
    (received inv8) (issued-by inv8 umbrella)
  )
  (:goal (and
    (paid inv1)
    (paid inv2)
    (paid inv3)
    (paid inv4)
    (paid inv5)
    (paid inv6)
    (paid inv7)
    (archived inv8)
  )))
