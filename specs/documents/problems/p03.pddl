;; Three invoices, two vendors; inv3 is a duplicate that is only archived.
(define (problem p03)
  (:domain documents)
  (:objects
    inv1 inv2 inv3 - invoice
    acme globex - vendor)
  (:init
    (received inv1) (issued-by inv1 acme) (classified inv1)
    (received inv2) (issued-by inv2 globex) (large inv2)
    (received inv3) (issued-by inv3 globex)
    (vendor-checked acme)
  )
  (:goal (and
    (paid inv1)
    (paid inv2)
    (archived inv3)
  )))
