(define (problem p01) (:domain ship)
  (:objects api web - service)
  (:init)
  (:goal (and (deployed api) (deployed web))))
