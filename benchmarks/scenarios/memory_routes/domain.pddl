; Two routes to a delivered parcel: one flight (one step, its tool fails 80% of the time in
; the memory scenario) or the truck (load, then drive: two steps, reliable).
(define (domain routes)
  (:requirements :strips :typing)
  (:types parcel)
  (:predicates (at-depot ?p - parcel) (on-truck ?p - parcel) (delivered ?p - parcel))
  (:action fly
    :parameters (?p - parcel)
    :precondition (at-depot ?p)
    :effect (and (delivered ?p) (not (at-depot ?p))))
  (:action load-truck
    :parameters (?p - parcel)
    :precondition (at-depot ?p)
    :effect (and (on-truck ?p) (not (at-depot ?p))))
  (:action drive
    :parameters (?p - parcel)
    :precondition (on-truck ?p)
    :effect (and (delivered ?p) (not (on-truck ?p)))))
