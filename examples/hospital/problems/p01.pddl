(define (problem p01)
  (:domain hospital)
  (:objects amox1 para1 - dose alice bob - patient drhouse - doctor phil - pharmacist
            nina ned - nurse)
  (:init (for amox1 alice) (for para1 bob))
  (:goal (and (charted amox1) (charted para1))))
