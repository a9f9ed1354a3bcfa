;; Two invoices from one vendor, one with an unusually large amount.
(define (problem p02)
  (:domain documents)
  (:objects
    inv1 inv2 - invoice
    acme - vendor)
  (:init
    (received inv1) (issued-by inv1 acme)
    (received inv2) (issued-by inv2 acme) (large inv2)
  )
  (:goal (and
    (paid inv1)
    (paid inv2)
  )))
