(define (problem p01)
  (:domain blocksworld)
  (:objects a b c - block)
  (:init
    (handempty)
    (fragile c)
    (ontable b) (on a b) (clear a)
    (ontable c) (clear c)
  )
  (:goal (and
    (on b a)
  )))
