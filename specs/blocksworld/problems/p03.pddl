(define (problem p03)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 b5 b6 - block)
  (:init
    (handempty)
    (fragile b2)
    (ontable b4) (on b6 b4) (on b3 b6) (on b2 b3) (clear b2)
    (ontable b1) (clear b1)
    (ontable b5) (clear b5)
  )
  (:goal (and
    (ontable b5) (on b1 b5) (on b4 b1) (on b6 b4)
    (ontable b2)
  )))
