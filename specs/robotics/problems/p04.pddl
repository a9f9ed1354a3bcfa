;; Two robots on a 3x3 grid (dock in the middle), three items, one heavy.
(define (problem p04)
  (:domain robotics)
  (:objects
    r1 r2 - robot
    dock a1 a2 a3 b1 b3 c1 c2 c3 - location
    box1 box2 crate1 - item)
  (:init
    (next level0 level1) (next level1 level2) (next level2 level3) (next level3 level4)
    (charger dock)
    (connected a1 a2) (connected a2 a1)
    (connected a1 b1) (connected b1 a1)
    (connected a2 a3) (connected a3 a2)
    (connected a2 dock) (connected dock a2)
    (connected a3 b3) (connected b3 a3)
    (connected b1 dock) (connected dock b1)
    (connected b1 c1) (connected c1 b1)
    (connected dock b3) (connected b3 dock)
    (connected dock c2) (connected c2 dock)
    (connected b3 c3) (connected c3 b3)
    (connected c1 c2) (connected c2 c1)
    (connected c2 c3) (connected c3 c2)
    (at r1 a1) (battery r1 level2) (free r1)
    (at r2 dock) (battery r2 level0) (free r2)
    (item-at box1 a1)
    (item-at box2 c3)
    (item-at crate1 c1) (heavy crate1)
  )
  (:goal (and
    (item-at box1 c3)
    (item-at box2 a3)
    (item-at crate1 b1)
  )))
