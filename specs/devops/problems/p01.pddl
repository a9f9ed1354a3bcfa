;; Put the api on staging.
(define (problem p01)
  (:domain devops)
  (:objects api - service)
  (:init)
  (:goal (and
    (deployed api staging)
  )))
