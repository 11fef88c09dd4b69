//! The circuit breaker kept per upstream: *closed* forwards and counts consecutive failures; at
//! the threshold it turns *open* and refuses at once; after `open_for` it turns *half-open* and
//! lets `half_open_trials` requests through at a time: that many successes close it, one failure
//! opens it again. Half-open exists so a recovering upstream is not flooded.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::config::BreakerPolicy;

/// The breaker's state, as exported in metrics (`0` closed, `1` open, `2` half-open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Forwarding.
    Closed,
    /// Refusing.
    Open,
    /// Letting trial requests through.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { in_flight: u32, successes: u32 },
}

/// One upstream's breaker. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Breaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
    /// The state last given to [`Breaker::report_change`]'s callback, plus one (0: none yet).
    /// Written only under the `state` lock.
    reported: AtomicU8,
}

/// Leave to send one request. Report its outcome with [`Permit::record`]; a permit dropped
/// without an outcome (the client went away) frees its trial slot without counting.
#[derive(Debug)]
pub struct Permit {
    breaker: Option<Arc<Breaker>>,
    trial: bool,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(policy: BreakerPolicy) -> Arc<Self> {
        Arc::new(Breaker {
            policy,
            state: Mutex::new(State::Closed { failures: 0 }),
            reported: AtomicU8::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent (every update is
        // one assignment), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        Self::state_of(&self.lock())
    }

    fn state_of(s: &State) -> BreakerState {
        match *s {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Calls `report` with the current state if it differs from the last one reported (or none
    /// was yet). Runs under the breaker's lock, so concurrent reports arrive in state order and
    /// the last one reported is the current one.
    pub fn report_change(&self, report: impl FnOnce(BreakerState)) {
        let s = self.lock();
        let now = Self::state_of(&s);
        let code = now as u8 + 1;
        if self.reported.load(Ordering::Relaxed) != code {
            self.reported.store(code, Ordering::Relaxed);
            report(now);
        }
    }

    /// Asks to send a request: `None` while open (or half-open with every trial slot taken).
    pub fn acquire(self: &Arc<Self>) -> Option<Permit> {
        if self.policy.failure_threshold == 0 {
            return Some(Permit {
                breaker: None,
                trial: false,
            });
        }
        let mut s = self.lock();
        let trials = self.policy.half_open_trials.max(1);
        match &mut *s {
            State::Closed { .. } => Some(Permit {
                breaker: Some(Arc::clone(self)),
                trial: false,
            }),
            State::Open { until } => {
                if Instant::now() < *until {
                    return None;
                }
                *s = State::HalfOpen {
                    in_flight: 1,
                    successes: 0,
                };
                Some(Permit {
                    breaker: Some(Arc::clone(self)),
                    trial: true,
                })
            }
            State::HalfOpen { in_flight, .. } => {
                if *in_flight >= trials {
                    return None;
                }
                *in_flight += 1;
                Some(Permit {
                    breaker: Some(Arc::clone(self)),
                    trial: true,
                })
            }
        }
    }

    fn on_outcome(&self, trial: bool, ok: Option<bool>) {
        let mut s = self.lock();
        let trials = self.policy.half_open_trials.max(1);
        match (&mut *s, ok) {
            (State::Closed { failures }, Some(true)) => *failures = 0,
            (State::Closed { failures }, Some(false)) => {
                *failures += 1;
                if *failures >= self.policy.failure_threshold {
                    *s = self.open();
                }
            }
            (State::HalfOpen { in_flight, .. }, None) if trial => {
                *in_flight = in_flight.saturating_sub(1);
            }
            (
                State::HalfOpen {
                    in_flight,
                    successes,
                },
                Some(true),
            ) if trial => {
                *in_flight = in_flight.saturating_sub(1);
                *successes += 1;
                if *successes >= trials {
                    *s = State::Closed { failures: 0 };
                }
            }
            (State::HalfOpen { .. }, Some(false)) if trial => *s = self.open(),
            // Outcomes of requests admitted under an earlier state do not move this one.
            _ => {}
        }
    }

    fn open(&self) -> State {
        State::Open {
            until: Instant::now() + self.policy.open_for,
        }
    }
}

impl Permit {
    /// Reports whether the request succeeded (no transport error, no timeout, status < 500).
    pub fn record(mut self, ok: bool) {
        if let Some(b) = self.breaker.take() {
            b.on_outcome(self.trial, Some(ok));
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(b) = self.breaker.take() {
            b.on_outcome(self.trial, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn breaker(open_ms: u64) -> Arc<Breaker> {
        Breaker::new(BreakerPolicy {
            failure_threshold: 2,
            open_for: Duration::from_millis(open_ms),
            half_open_trials: 1,
        })
    }

    #[test]
    fn opens_after_threshold_and_closes_after_a_good_trial() {
        let b = breaker(30);
        b.acquire().unwrap().record(false);
        assert_eq!(b.state(), BreakerState::Closed);
        b.acquire().unwrap().record(false);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.acquire().is_none());
        std::thread::sleep(Duration::from_millis(40));
        let trial = b.acquire().unwrap();
        assert!(b.acquire().is_none(), "only one trial at a time");
        trial.record(true);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_trial_reopens_and_a_dropped_one_frees_its_slot() {
        let b = breaker(10);
        b.acquire().unwrap().record(false);
        b.acquire().unwrap().record(false);
        std::thread::sleep(Duration::from_millis(15));
        drop(b.acquire().unwrap());
        let t = b.acquire().expect("slot freed by the dropped permit");
        t.record(false);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = breaker(10);
        b.acquire().unwrap().record(false);
        b.acquire().unwrap().record(true);
        b.acquire().unwrap().record(false);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn threshold_zero_disables() {
        let b = Breaker::new(BreakerPolicy {
            failure_threshold: 0,
            ..BreakerPolicy::default()
        });
        for _ in 0..10 {
            b.acquire().unwrap().record(false);
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn changes_are_reported_once_each() {
        let b = breaker(10_000);
        let mut seen = Vec::new();
        b.report_change(|s| seen.push(s));
        b.report_change(|s| seen.push(s));
        b.acquire().unwrap().record(false);
        b.report_change(|s| seen.push(s));
        b.acquire().unwrap().record(false);
        b.report_change(|s| seen.push(s));
        b.report_change(|s| seen.push(s));
        assert_eq!(seen, [BreakerState::Closed, BreakerState::Open]);
    }
}
