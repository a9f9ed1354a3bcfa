;; One invoice, fields already extracted, vendor known: get it paid.
(define (problem p01)
  (:domain documents)
  (:objects
    inv1 - invoice
    acme - vendor)
  (:init
    (received inv1) (issued-by inv1 acme) (classified inv1) (extracted inv1)
    (vendor-checked acme)
  )
  (:goal (and
    (paid inv1)
  )))
