;; Release v1-0 from a new branch release-1-0 of the repository in $RELEASE_REPO.
(define (problem release-v1-0) (:domain release)
  (:objects release-1-0 - branch v1-0 - version)
  (:init (branch-exists main) (current main))
  (:goal (and (tagged v1-0) (reviewed v1-0))))
