//! Strategies for valid inputs, exactly as the contract bounds them: non-negative counts, unique
//! running IDs, in-progress sums within int32, backoff windows within int64 nanoseconds and
//! ending by year 9999; instants written in varied offsets, fractions and spellings, with equal
//! `created_at` values on purpose.

use proptest::prelude::*;
use uuid::Uuid;

use crate::model::*;

/// An offset within ±23:59, often zero or a common zone.
fn offset_minutes() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => Just(0),
        2 => prop::sample::select(vec![60, 120, -300, -420, 330, 345, 540, -210]),
        2 => -1439..=1439i32,
        1 => prop::sample::select(vec![1439, -1439]),
    ]
}

fn fraction() -> impl Strategy<Value = Fraction> {
    prop_oneof![
        3 => Just(Fraction::Trimmed),
        1 => "[0-9]{0,3}".prop_map(Fraction::Padded),
    ]
}

fn zero_offset() -> impl Strategy<Value = ZeroOffset> {
    prop_oneof![
        3 => Just(ZeroOffset::Z),
        1 => Just(ZeroOffset::Plus),
        1 => Just(ZeroOffset::Minus),
    ]
}

/// Instants that every offset can write: mostly within two years of mid-2025, with whole
/// seconds or odd nanoseconds; sometimes anywhere from year 0 to 9999.
fn instant() -> impl Strategy<Value = i128> {
    let centre = typical_centre();
    let two_years = 2 * 366 * 24 * 3600 * SECOND;
    let day = 24 * 3600 * SECOND;
    prop_oneof![
        4 => (-two_years..two_years).prop_map(move |d| centre + d),
        2 => (-two_years / SECOND..two_years / SECOND).prop_map(move |s| centre + s * SECOND),
        1 => min_local() + day..max_local() - day,
    ]
}

/// A stamp: an instant in some offset and spelling.
pub fn stamp() -> impl Strategy<Value = Stamp> {
    (instant(), offset_minutes(), fraction(), zero_offset()).prop_map(
        |(instant, offset_minutes, fraction, zero)| Stamp {
            instant,
            offset_minutes,
            fraction,
            zero,
        },
    )
}

/// A stamp of `instant` in some offset and spelling; Go's zero offset when the offset cannot
/// write it.
pub fn stamp_at(instant: i128) -> impl Strategy<Value = Stamp> {
    (offset_minutes(), fraction(), zero_offset()).prop_map(move |(offset, fraction, zero)| {
        let offset_minutes = if representable(instant, offset) {
            offset
        } else {
            0
        };
        Stamp {
            instant,
            offset_minutes,
            fraction,
            zero,
        }
    })
}

/// A UUID; `make_unique` later stamps each with its position so none repeats.
fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

/// Makes every ID distinct (shrinking drives random IDs toward one value).
fn unique(id: Uuid, index: usize) -> Uuid {
    Uuid::from_u128((id.as_u128() & !0xFFFF_FFFF) | index as u128)
}

pub fn preset() -> impl Strategy<Value = Preset> {
    (
        uuid(),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop_oneof![
            8 => 0..10i32,
            1 => 0..=i32::MAX,
            1 => Just(i32::MAX),
        ],
    )
        .prop_map(
            |(id, using_active_version, deleted, deprecated, desired)| Preset {
                id,
                using_active_version,
                deleted,
                deprecated,
                desired,
            },
        )
}

/// Running rows; their `created_at` often repeat an instant (in another offset or spelling).
pub fn running(max: usize) -> impl Strategy<Value = Vec<Running>> {
    (prop::collection::vec(instant(), 1..=3), 0..=max).prop_flat_map(|(pool, n)| {
        let pool_len = pool.len();
        let created = prop_oneof![
            1 => stamp(),
            1 => (0..pool_len).prop_flat_map(move |i| stamp_at(pool[i])),
        ];
        prop::collection::vec((uuid(), any::<bool>(), created), n).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (id, ready, created_at))| Running {
                    id: unique(id, i),
                    ready,
                    created_at,
                    current_preset_id: None,
                })
                .collect()
        })
    })
}

pub fn transition() -> impl Strategy<Value = Transition> {
    prop_oneof![
        Just(Transition::Start),
        Just(Transition::Stop),
        Just(Transition::Delete)
    ]
}

/// In-progress rows whose sums per transition stay within int32.
pub fn in_progress(max: usize) -> impl Strategy<Value = Vec<InProgress>> {
    let count = prop_oneof![
        8 => 0..5i32,
        1 => 0..=i32::MAX,
        1 => Just(i32::MAX),
    ];
    prop::collection::vec((transition(), count), 0..=max).prop_map(|rows| {
        let mut sums = [0i64; 3];
        rows.into_iter()
            .map(|(transition, count)| {
                let sum = &mut sums[transition as usize];
                let count = count.min((i64::from(i32::MAX) - *sum) as i32);
                *sum += i64::from(count);
                InProgress {
                    transition,
                    count,
                    preset_id: None,
                }
            })
            .collect()
    })
}

/// A backoff row before it is fitted to the interval (see [`fit_backoff`]).
#[derive(Clone, Debug)]
pub struct RawBackoff {
    num_failed: i32,
    last_build_at: Stamp,
    /// Move `last_build_at` so the window ends exactly at Go's zero time.
    ends_at_zero_time: bool,
}

pub fn raw_backoff() -> impl Strategy<Value = RawBackoff> {
    (
        prop_oneof![
            2 => Just(0),
            6 => 1..6i32,
            1 => 1..=i32::MAX,
            1 => Just(i32::MAX),
        ],
        stamp(),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(num_failed, last_build_at, ends_at_zero_time)| RawBackoff {
                num_failed,
                last_build_at,
                ends_at_zero_time,
            },
        )
}

/// Fits a backoff row to the interval, as the contract requires of valid input: the window
/// `num_failed × interval` fits int64 nanoseconds and ends by year 9999 in `last_build_at`'s
/// offset (`num_failed` is lowered until it does).
pub fn fit_backoff(raw: RawBackoff, interval_nanos: i64) -> Backoff {
    let mut num_failed = raw.num_failed;
    let mut last_build_at = raw.last_build_at;
    let interval = i128::from(interval_nanos);
    if raw.ends_at_zero_time && num_failed > 0 && interval > 0 {
        let start = go_zero_time() - i128::from(num_failed) * interval;
        if representable(start, last_build_at.offset_minutes) {
            last_build_at.instant = start;
        }
    }
    if interval > 0 {
        let local = last_build_at.instant + i128::from(last_build_at.offset_minutes) * 60 * SECOND;
        let room = (max_local() - local).min(i128::from(i64::MAX));
        let most = (room / interval).min(i128::from(i32::MAX));
        num_failed = num_failed.min(most as i32);
    }
    Backoff {
        num_failed,
        last_build_at,
        preset_id: None,
    }
}

/// A backoff interval and a Go spelling of it.
pub fn interval() -> impl Strategy<Value = (i64, String)> {
    let nanos = prop_oneof![
        2 => Just(0i64),
        1 => 1..1_000i64,
        3 => prop::sample::select(vec![
            1_000_000_000i64,
            60_000_000_000,
            90_000_000_000,
            250_000_000,
            3_600_000_000_000,
        ]),
        2 => 1_000_000..3_600_000_000_000i64,
        1 => 3_600_000_000_000..30 * 24 * 3_600_000_000_000i64,
        1 => 0..=i64::MAX,
    ];
    (nanos, 0..3u8).prop_map(|(nanos, spelling)| {
        let text = match spelling {
            0 => format!("{nanos}ns"),
            1 => go_duration_string(nanos),
            _ if nanos % 60_000_000_000 == 0 && nanos != 0 => {
                format!("{}m", nanos / 60_000_000_000)
            }
            _ if nanos % 1_000_000 == 0 && nanos != 0 => format!("{}ms", nanos / 1_000_000),
            _ => format!("+{}", go_duration_string(nanos)),
        };
        (nanos, text)
    })
}

/// Where `now` falls: at a backoff's end give or take a little, or anywhere.
#[derive(Clone, Debug)]
pub enum RawNow {
    NearUntil(i128, Stamp),
    Free(Stamp),
}

pub fn raw_now() -> impl Strategy<Value = RawNow> {
    prop_oneof![
        3 => (
            prop_oneof![-2..=2i128, -1_000_000_000_000..1_000_000_000_000i128],
            stamp()
        )
            .prop_map(|(delta, s)| RawNow::NearUntil(delta, s)),
        2 => stamp().prop_map(RawNow::Free),
    ]
}

/// `now`, placed relative to `until` when there is one and the offset can write it.
pub fn fit_now(raw: RawNow, until: Option<i128>) -> Stamp {
    match (raw, until) {
        (RawNow::NearUntil(delta, mut stamp), Some(until)) => {
            let instant = until + delta;
            if representable(instant, stamp.offset_minutes) {
                stamp.instant = instant;
            } else if representable(instant, 0) {
                stamp.instant = instant;
                stamp.offset_minutes = 0;
            }
            stamp
        }
        (RawNow::NearUntil(_, stamp) | RawNow::Free(stamp), _) => stamp,
    }
}

/// A valid single-preset case: the snapshot, the inputs, and a body spelling.
#[derive(Clone, Debug)]
pub struct Case {
    pub snapshot: Snapshot,
    pub inputs: Inputs,
    pub style: Style,
}

pub fn style() -> impl Strategy<Value = Style> {
    (any::<u64>(), prop::bool::weighted(0.2)).prop_map(|(seed, uppercase_ids)| Style {
        seed,
        uppercase_ids,
    })
}

pub fn case() -> impl Strategy<Value = Case> {
    (
        preset(),
        running(8),
        in_progress(5),
        prop::option::weighted(0.7, raw_backoff()),
        interval(),
        raw_now(),
        style(),
    )
        .prop_map(
            |(
                preset,
                running,
                in_progress,
                backoff,
                (interval_nanos, interval_text),
                now,
                style,
            )| {
                let backoff = backoff.map(|raw| fit_backoff(raw, interval_nanos));
                let until = backoff.as_ref().and_then(|b| b.until(interval_nanos));
                Case {
                    snapshot: Snapshot {
                        preset,
                        running,
                        in_progress,
                        backoff,
                    },
                    inputs: Inputs {
                        now: fit_now(now, until),
                        interval_nanos,
                        interval_text,
                    },
                    style,
                }
            },
        )
}

/// A case whose backoff ends exactly at Go's zero time (0001-01-01T00:00:00Z), with `now` at
/// or before it: the seed's `IsNoop` calls that backoff a no-op.
pub fn zero_time_case() -> impl Strategy<Value = Case> {
    (
        case(),
        1..5i32,
        1..(30 * 24 * 3600 * SECOND as i64),
        0..(24 * 3600 * SECOND),
        stamp(),
    )
        .prop_map(|(mut case, num_failed, interval, before, last)| {
            let zero = go_zero_time();
            let start = zero - i128::from(num_failed) * i128::from(interval);
            let offset = if representable(start, last.offset_minutes) {
                last.offset_minutes
            } else {
                0
            };
            case.snapshot.backoff = Some(Backoff {
                num_failed,
                last_build_at: Stamp {
                    instant: start,
                    offset_minutes: offset,
                    ..last
                },
                preset_id: None,
            });
            case.inputs.interval_nanos = interval;
            case.inputs.interval_text = format!("{interval}ns");
            case.inputs.now = Stamp::plain(zero - before, 0);
            case
        })
}

/// Orders rows by their sort keys (stable), dropping the keys.
fn interleave<T>(mut rows: Vec<(u32, T)>) -> Vec<T> {
    rows.sort_by_key(|(key, _)| *key);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// A valid global case: presets with their own rows, rows of no listed preset, all interleaved.
#[derive(Clone, Debug)]
pub struct GlobalCase {
    pub global: Global,
    pub inputs: Inputs,
    pub style: Style,
}

pub fn global_case() -> impl Strategy<Value = GlobalCase> {
    let per_preset = (
        preset(),
        running(4),
        in_progress(3),
        prop::collection::vec(raw_backoff(), 0..=2),
    );
    (
        prop::collection::vec(per_preset, 1..=4),
        running(3),
        in_progress(2),
        prop::collection::vec((raw_backoff(), any::<bool>()), 0..=2),
        interval(),
        raw_now(),
        prop::collection::vec(any::<u32>(), 64),
        style(),
    )
        .prop_map(
            |(
                presets,
                stray_running,
                stray_in_progress,
                stray_backoffs,
                (interval_nanos, interval_text),
                now,
                order,
                style,
            )| {
                // Each row carries a sort key; the lists are then interleaved by it.
                let mut keys = order.into_iter().cycle();
                let mut running = Vec::new();
                let mut in_progress = Vec::new();
                let mut backoffs = Vec::new();
                let mut preset_rows = Vec::new();
                let stranger = Uuid::from_u128(0x5757_0000_0000_4000_8000_0000_0000_0000);
                for (index, (mut preset, own_running, own_in_progress, own_backoffs)) in
                    presets.into_iter().enumerate()
                {
                    preset.id = unique(preset.id, 0x1_0000 + index);
                    for mut row in own_running {
                        row.current_preset_id = Some(preset.id);
                        running.push((keys.next().unwrap_or(0), row));
                    }
                    for mut row in own_in_progress {
                        row.preset_id = Some(preset.id);
                        in_progress.push((keys.next().unwrap_or(0), row));
                    }
                    for raw in own_backoffs {
                        let mut row = fit_backoff(raw, interval_nanos);
                        row.preset_id = Some(preset.id);
                        backoffs.push((keys.next().unwrap_or(0), row));
                    }
                    preset_rows.push(preset);
                }
                for (i, mut row) in stray_running.into_iter().enumerate() {
                    row.current_preset_id = (i % 2 == 0).then_some(stranger);
                    running.push((keys.next().unwrap_or(0), row));
                }
                for (i, mut row) in stray_in_progress.into_iter().enumerate() {
                    row.preset_id = (i % 2 == 1).then_some(stranger);
                    in_progress.push((keys.next().unwrap_or(0), row));
                }
                for (raw, null) in stray_backoffs {
                    let mut row = fit_backoff(raw, interval_nanos);
                    row.preset_id = (!null).then_some(stranger);
                    backoffs.push((keys.next().unwrap_or(0), row));
                }
                let mut running: Vec<Running> = interleave(running);
                for (i, row) in running.iter_mut().enumerate() {
                    row.id = unique(row.id, i);
                }
                let global = Global {
                    presets: preset_rows,
                    running,
                    in_progress: interleave(in_progress),
                    backoffs: interleave(backoffs),
                };
                let until = (0..global.presets.len())
                    .filter_map(|i| global.own_snapshot(i).backoff)
                    .find_map(|b| b.until(interval_nanos));
                GlobalCase {
                    global,
                    inputs: Inputs {
                        now: fit_now(now, until),
                        interval_nanos,
                        interval_text,
                    },
                    style,
                }
            },
        )
}
