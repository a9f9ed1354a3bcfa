;; Ship services from build to production.
;; The action model says only what is physically possible (you cannot deploy what was
;; never built, nor health-check what is not running). The release process itself
;; (test first, back up prod first, staging before prod, check health afterwards)
;; lives in the policies of spec.yaml, so a plan that skips a step is executable but
;; is rejected by the verifier.
(define (domain devops)
  (:requirements :strips :typing :negative-preconditions)
  (:types service env)
  (:constants staging prod - env)
  (:predicates
    (built ?s - service)
    (tested ?s - service)
    (deployed ?s - service ?e - env)
    (healthy ?s - service ?e - env)
    (backed-up ?e - env)
    (rolled-back ?s - service ?e - env))

  (:action build
    :parameters (?s - service)
    :precondition (and (not (built ?s)))
    :effect (and (built ?s)))

  (:action test
    :parameters (?s - service)
    :precondition (and (built ?s))
    :effect (and (tested ?s)))

  (:action backup
    :parameters (?e - env)
    :precondition (and (not (backed-up ?e)))
    :effect (and (backed-up ?e)))

  (:action deploy
    :parameters (?s - service ?e - env)
    :precondition (and (built ?s) (not (deployed ?s ?e)))
    :effect (and (deployed ?s ?e)
                 (not (healthy ?s ?e)) (not (rolled-back ?s ?e))))

  (:action health-check
    :parameters (?s - service ?e - env)
    :precondition (and (deployed ?s ?e))
    :effect (and (healthy ?s ?e)))

  (:action rollback
    :parameters (?s - service ?e - env)
    :precondition (and (deployed ?s ?e))
    :effect (and (rolled-back ?s ?e)
                 (not (deployed ?s ?e)) (not (healthy ?s ?e)))))
