;; Onboard new hires: background check, account, access to systems, training, welcome.
;; The action model says only what is physically possible (an account can be created for
;; anyone hired). The company's rules (check before account, training before access to a
;; sensitive system, ...) live in the policies of spec.yaml, so a plan that skips or
;; reorders a step is executable but is rejected by the verifier.
(define (domain onboarding)
  (:requirements :strips :typing :negative-preconditions)
  (:types person system)
  (:constants payroll wiki email - system)
  (:predicates
    (hired ?p - person)
    (background-checked ?p - person)
    (has-account ?p - person)
    (access ?p - person ?s - system)
    (sensitive ?s - system)
    (trained ?p - person)
    (equipped ?p - person)
    (welcomed ?p - person))

  (:action run-background-check
    :parameters (?p - person)
    :precondition (and (hired ?p) (not (background-checked ?p)))
    :effect (and (background-checked ?p)))

  (:action create-account
    :parameters (?p - person)
    :precondition (and (hired ?p) (not (has-account ?p)))
    :effect (and (has-account ?p)))

  (:action grant-access
    :parameters (?p - person ?s - system)
    :precondition (and (has-account ?p) (not (access ?p ?s)))
    :effect (and (access ?p ?s)))

  (:action revoke-access
    :parameters (?p - person ?s - system)
    :precondition (and (access ?p ?s))
    :effect (and (not (access ?p ?s))))

  (:action complete-training
    :parameters (?p - person)
    :precondition (and (has-account ?p))
    :effect (and (trained ?p)))

  (:action ship-equipment
    :parameters (?p - person)
    :precondition (and (hired ?p))
    :effect (and (equipped ?p)))

  (:action send-welcome
    :parameters (?p - person)
    :precondition (and (has-account ?p))
    :effect (and (welcomed ?p))))
