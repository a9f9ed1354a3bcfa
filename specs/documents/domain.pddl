;; Invoice intake: receive, classify, extract fields, check the vendor, validate,
;; flag unusual (large) amounts, review, approve, pay, archive.
;; Preconditions only say what is physically needed (fields must be extracted before
;; they can be validated or paid; an archived invoice is closed). The approval chain
;; (validate -> approve -> pay -> archive, review of flagged invoices) is enforced by
;; the policies in spec.yaml, not by the action model.
(define (domain documents)
  (:requirements :strips :typing :negative-preconditions)
  (:types invoice vendor)
  (:predicates
    (received ?i - invoice)
    (issued-by ?i - invoice ?v - vendor)
    (large ?i - invoice)
    (classified ?i - invoice)
    (extracted ?i - invoice)
    (vendor-checked ?v - vendor)
    (validated ?i - invoice)
    (flagged ?i - invoice)
    (reviewed ?i - invoice)
    (approved ?i - invoice)
    (paid ?i - invoice)
    (archived ?i - invoice))

  (:action classify
    :parameters (?i - invoice)
    :precondition (and (received ?i) (not (classified ?i)))
    :effect (and (classified ?i)))

  (:action extract
    :parameters (?i - invoice)
    :precondition (and (classified ?i) (not (extracted ?i)))
    :effect (and (extracted ?i)))

  (:action check-vendor
    :parameters (?v - vendor)
    :precondition (and (not (vendor-checked ?v)))
    :effect (and (vendor-checked ?v)))

  (:action validate
    :parameters (?i - invoice ?v - vendor)
    :precondition (and (extracted ?i) (issued-by ?i ?v) (vendor-checked ?v))
    :effect (and (validated ?i)))

  (:action flag
    :parameters (?i - invoice)
    :precondition (and (extracted ?i) (large ?i) (not (flagged ?i)))
    :effect (and (flagged ?i)))

  (:action review
    :parameters (?i - invoice)
    :precondition (and (flagged ?i))
    :effect (and (reviewed ?i)))

  (:action approve
    :parameters (?i - invoice)
    :precondition (and (extracted ?i) (not (approved ?i)))
    :effect (and (approved ?i)))

  (:action pay
    :parameters (?i - invoice)
    :precondition (and (extracted ?i) (not (paid ?i)) (not (archived ?i)))
    :effect (and (paid ?i)))

  (:action void-payment
    :parameters (?i - invoice)
    :precondition (and (paid ?i) (not (archived ?i)))
    :effect (and (not (paid ?i))))

  (:action archive
    :parameters (?i - invoice)
    :precondition (and (classified ?i) (not (archived ?i)))
    :effect (and (archived ?i))))
