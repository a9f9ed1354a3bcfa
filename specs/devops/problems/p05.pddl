;; Release train: six services to production with health checks, two more to staging.
(define (problem p05)
  (:domain devops)
  (:objects api web worker db auth billing search notify - service)
  (:init
    (built db)
  )
  (:goal (and
    (deployed api prod) (healthy api prod)
    (deployed web prod) (healthy web prod)
    (deployed worker prod) (healthy worker prod)
    (deployed db prod) (healthy db prod)
    (deployed auth prod) (healthy auth prod)
    (deployed billing prod) (healthy billing prod)
    (deployed search staging) (healthy search staging)
    (deployed notify staging)
  )))
