;; Three hires; carol moves off email and gets equipment only.
(define (problem p04)
  (:domain onboarding)
  (:objects alice bob carol - person)
  (:init (hired alice) (hired bob) (hired carol) (sensitive payroll)
         (background-checked carol) (access carol email))
  (:goal (and (access alice email) (access bob wiki) (trained bob) (equipped carol)
              (not (access carol email)) (welcomed alice) (welcomed bob))))
