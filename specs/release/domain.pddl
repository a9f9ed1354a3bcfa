;; Cut a release in a git repository: branch off main, bump the version, commit, test, tag.
;; The actions say what git allows; the release rules (tests before a tag, no release
;; commit on main, no force on main) are policies in spec.yaml.
(define (domain release)
  (:requirements :strips :typing :negative-preconditions)
  (:types branch version)
  (:constants main - branch)
  (:predicates
    (branch-exists ?b - branch)
    (current ?b - branch)
    (bumped ?v - version ?b - branch)
    (staged ?v - version ?b - branch)
    (committed ?v - version ?b - branch)
    (tests-passed ?v - version)
    (tagged ?v - version)
    (tag-taken ?v - version)
    (reviewed ?v - version)
    (forced ?b - branch))

  (:action create-branch
    :parameters (?b - branch)
    :precondition (and (not (branch-exists ?b)) (current main))
    :effect (and (branch-exists ?b)))

  (:action checkout
    :parameters (?from - branch ?to - branch)
    :precondition (and (current ?from) (branch-exists ?to))
    :effect (and (not (current ?from)) (current ?to)))

  (:action bump
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b))
    :effect (and (bumped ?v ?b)))

  (:action stage
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b) (bumped ?v ?b))
    :effect (and (staged ?v ?b)))

  (:action commit
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b) (staged ?v ?b))
    :effect (and (committed ?v ?b) (not (staged ?v ?b))))

  (:action run-tests
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b) (committed ?v ?b))
    :effect (and (tests-passed ?v)))

  (:action tag
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b) (committed ?v ?b) (not (tagged ?v)) (not (tag-taken ?v)))
    :effect (and (tagged ?v)))

  (:action review-log
    :parameters (?v - version ?b - branch)
    :precondition (and (current ?b) (tagged ?v))
    :effect (and (reviewed ?v)))

  (:action force-reset
    :parameters (?b - branch)
    :precondition (and (current ?b))
    :effect (and (forced ?b))))
