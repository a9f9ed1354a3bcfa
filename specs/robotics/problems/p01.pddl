;; One robot brings a box from the dock to the shelf next door.
(define (problem p01)
  (:domain robotics)
  (:objects
    r1 - robot
    dock shelf - location
    box1 - item)
  (:init
    (next level0 level1) (next level1 level2) (next level2 level3) (next level3 level4)
    (charger dock)
    (connected dock shelf) (connected shelf dock)
    (at r1 dock) (battery r1 level4) (free r1)
    (item-at box1 dock)
  )
  (:goal (and
    (item-at box1 shelf)
  )))
