;; Four services to production (all health-checked), auth to staging.
(define (problem p04)
  (:domain devops)
  (:objects api web worker db auth - service)
  (:init
    (built db) (tested db)
    (built auth)
    (backed-up staging)
  )
  (:goal (and
    (deployed api prod) (healthy api prod)
    (deployed web prod) (healthy web prod)
    (deployed worker prod) (healthy worker prod)
    (deployed db prod) (healthy db prod)
    (deployed auth staging)
  )))
