;; A team of five starts on Monday.
(define (problem p05)
  (:domain onboarding)
  (:objects ann ben cid dee eve - person)
  (:init (hired ann) (hired ben) (hired cid) (hired dee) (hired eve) (sensitive payroll))
  (:goal (and (access ann payroll) (access ben wiki) (access cid email) (access dee wiki)
              (access eve payroll) (equipped ann) (equipped ben) (equipped cid) (equipped dee)
              (equipped eve) (welcomed ann) (welcomed ben) (welcomed cid) (welcomed dee)
              (welcomed eve))))
