;; Mobile robots fetch and deliver items between locations.
;; Battery is a discrete level: level0 (empty) .. level4 (full). Every move costs one
;; level (problems list the (next ?lower ?higher) chain); charging at a location with
;; a charger refills it to full. A robot carries one item at a time; heavy items need
;; the separate pick-heavy action (which a human approves). Where a robot may run flat, when heavy
;; items may be lifted and that placements get reported are policies in spec.yaml.
(define (domain robotics)
  (:requirements :strips :typing :negative-preconditions)
  (:types robot location item level)
  (:constants level0 level1 level2 level3 level4 - level)
  (:predicates
    (at ?r - robot ?l - location)
    (connected ?from - location ?to - location)
    (charger ?l - location)
    (battery ?r - robot ?b - level)
    (next ?lower - level ?higher - level)
    (item-at ?i - item ?l - location)
    (heavy ?i - item)
    (carrying ?r - robot ?i - item)
    (free ?r - robot)
    (placed ?i - item ?l - location)
    (reported ?i - item ?l - location))

  (:action navigate
    :parameters (?r - robot ?from - location ?to - location ?b - level ?b2 - level)
    :precondition (and (at ?r ?from) (connected ?from ?to) (battery ?r ?b) (next ?b2 ?b))
    :effect (and (at ?r ?to) (battery ?r ?b2)
                 (not (at ?r ?from)) (not (battery ?r ?b))))

  (:action charge
    :parameters (?r - robot ?l - location ?b - level)
    :precondition (and (at ?r ?l) (charger ?l) (battery ?r ?b) (not (battery ?r level4)))
    :effect (and (battery ?r level4) (not (battery ?r ?b))))

  (:action pick
    :parameters (?r - robot ?i - item ?l - location)
    :precondition (and (at ?r ?l) (item-at ?i ?l) (free ?r) (not (heavy ?i)))
    :effect (and (carrying ?r ?i)
                 (not (item-at ?i ?l)) (not (free ?r)) (not (placed ?i ?l))))

  (:action pick-heavy
    :parameters (?r - robot ?i - item ?l - location)
    :precondition (and (at ?r ?l) (item-at ?i ?l) (free ?r) (heavy ?i))
    :effect (and (carrying ?r ?i)
                 (not (item-at ?i ?l)) (not (free ?r)) (not (placed ?i ?l))))

  (:action place
    :parameters (?r - robot ?i - item ?l - location)
    :precondition (and (at ?r ?l) (carrying ?r ?i))
    :effect (and (item-at ?i ?l) (placed ?i ?l) (free ?r)
                 (not (carrying ?r ?i)) (not (reported ?i ?l))))

  (:action report-status
    :parameters (?r - robot ?i - item ?l - location)
    :precondition (and (at ?r ?l) (item-at ?i ?l) (placed ?i ?l))
    :effect (and (reported ?i ?l))))
