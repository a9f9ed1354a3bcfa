(define (problem p02)
  (:domain blocksworld)
  (:objects a b c d - block)
  (:init
    (handempty)
    (fragile d)
    (ontable a) (on c a) (clear c)
    (ontable b) (on d b) (clear d)
  )
  (:goal (and
    (ontable c) (on b c) (on a b)
    (ontable d)
  )))
