;; A payroll clerk: payroll is sensitive, so training comes first.
(define (problem p02)
  (:domain onboarding)
  (:objects bob - person)
  (:init (hired bob) (sensitive payroll))
  (:goal (and (access bob payroll) (access bob email) (welcomed bob) (equipped bob))))
