;; Two hires, one already checked.
(define (problem p03)
  (:domain onboarding)
  (:objects alice bob - person)
  (:init (hired alice) (hired bob) (background-checked bob) (sensitive payroll))
  (:goal (and (access alice wiki) (access bob payroll) (welcomed alice) (welcomed bob))))
