;; Two robots, six locations, two items; chargers at the dock and the office.
(define (problem p03)
  (:domain robotics)
  (:objects
    r1 r2 - robot
    dock store hall lab office bay - location
    box1 crate1 - item)
  (:init
    (next level0 level1) (next level1 level2) (next level2 level3) (next level3 level4)
    (charger dock) (charger office)
    (connected store dock) (connected dock store)
    (connected dock hall) (connected hall dock)
    (connected hall lab) (connected lab hall)
    (connected lab office) (connected office lab)
    (connected hall bay) (connected bay hall)
    (at r1 dock) (battery r1 level3) (free r1)
    (at r2 lab) (battery r2 level2) (free r2)
    (item-at box1 store)
    (item-at crate1 bay) (heavy crate1)
  )
  (:goal (and
    (item-at box1 office)
    (item-at crate1 store)
  )))
