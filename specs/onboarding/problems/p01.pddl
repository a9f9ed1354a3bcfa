;; One new hire gets an account and the wiki.
(define (problem p01)
  (:domain onboarding)
  (:objects alice - person)
  (:init (hired alice) (sensitive payroll))
  (:goal (and (has-account alice) (access alice wiki) (welcomed alice))))
