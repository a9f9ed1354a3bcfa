;; Ship the api to production; web is already built but not part of the goal.
(define (problem p02)
  (:domain devops)
  (:objects api web - service)
  (:init
    (built web)
  )
  (:goal (and
    (deployed api prod)
  )))
