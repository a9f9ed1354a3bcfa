;; One robot, a half-charged battery, a light box and a heavy crate.
(define (problem p02)
  (:domain robotics)
  (:objects
    r1 - robot
    dock hall lab store - location
    box1 crate1 - item)
  (:init
    (next level0 level1) (next level1 level2) (next level2 level3) (next level3 level4)
    (charger dock)
    (connected dock hall) (connected hall dock)
    (connected hall lab) (connected lab hall)
    (connected hall store) (connected store hall)
    (at r1 dock) (battery r1 level2) (free r1)
    (item-at box1 store)
    (item-at crate1 lab) (heavy crate1)
  )
  (:goal (and
    (item-at box1 lab)
    (item-at crate1 store)
  )))
