;; api and web to production, worker to staging.
(define (problem p03)
  (:domain devops)
  (:objects api web worker - service)
  (:init
    (built web) (tested web)
  )
  (:goal (and
    (deployed api prod)
    (deployed web prod)
    (deployed worker staging)
  )))
