;; A hospital ward's medication round: a doctor prescribes a dose for a patient, a pharmacist
;; verifies and dispenses it, a nurse gives it and charts it. The action model says only what is
;; physically possible: a dispensed dose can be given again (the syringe is refilled from the
;; same order), which is exactly what the policies of spec.yaml must forbid.
(define (domain hospital)
  (:requirements :strips :typing :negative-preconditions)
  (:types dose patient staff - object
          doctor pharmacist nurse - staff)
  (:predicates
    (for ?d - dose ?p - patient)
    (prescribed ?d - dose)
    (verified ?d - dose)
    (dispensed ?d - dose)
    (administered ?d - dose)
    (charted ?d - dose))

  (:action prescribe
    :parameters (?d - dose ?p - patient ?doc - doctor)
    :precondition (and (for ?d ?p) (not (prescribed ?d)))
    :effect (and (prescribed ?d)))

  (:action verify
    :parameters (?d - dose ?ph - pharmacist)
    :precondition (and (prescribed ?d))
    :effect (and (verified ?d)))

  (:action dispense
    :parameters (?d - dose ?ph - pharmacist)
    :precondition (and (verified ?d))
    :effect (and (dispensed ?d)))

  (:action administer
    :parameters (?d - dose ?p - patient ?n - nurse)
    :precondition (and (dispensed ?d) (for ?d ?p))
    :effect (and (administered ?d)))

  (:action chart
    :parameters (?d - dose ?n - nurse)
    :precondition (and (administered ?d))
    :effect (and (charted ?d))))
