//! `encode_floats` / `decode_floats_into`: the same bytes as the table coder on symbols
//! rounded by a reference loop, in both formats; round trips; rows by channel with
//! medians; bad values, offsets, indexes and lengths refused with nothing written; every
//! output position written.

use fastrans::format::{self, MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS};
use fastrans::{
    compressai, decode_floats_into, encode_floats, CdfTable, Error, Offsets, Rows, StreamFormat,
};

mod common;
use common::stream::{table, w1_floats};
use common::Rng;

const MAX: u32 = 1 << 30;
const FORMATS: [StreamFormat; 2] = [StreamFormat::Fastrans, StreamFormat::CompressAi];

/// What the torch path does: `torch.round(values - offsets)` as int32.
fn reference_symbols(values: &[f32], offsets: &[f32]) -> Vec<i32> {
    values
        .iter()
        .zip(offsets)
        .map(|(&v, &o)| (v - o).round_ties_even() as i32)
        .collect()
}

/// The table coder on the reference symbols.
fn table_bytes(table: &CdfTable, symbols: &[i32], rows: &[i32], fmt: StreamFormat) -> Vec<u8> {
    match fmt {
        StreamFormat::Fastrans => format::encode(table, symbols, rows, 1).unwrap(),
        StreamFormat::CompressAi => compressai::encode(table, symbols, rows).unwrap(),
    }
}

/// W1-like values, means and explicit rows (the rows `build_indexes` would give is not
/// the point: any valid rows do).
fn w1_rows(n: usize, seed: u64, rows: usize) -> (Vec<f32>, Vec<f32>, Vec<i32>) {
    let (y, means, _) = w1_floats(n, seed);
    let mut rng = Rng(seed ^ 0x5eed);
    let ix = (0..n).map(|_| rng.below(rows as u64) as i32).collect();
    (y, means, ix)
}

fn decode(
    table: &CdfTable,
    data: &[u8],
    rows: Rows<'_>,
    offsets: Offsets<'_>,
    fmt: StreamFormat,
    threads: usize,
    n: usize,
) -> Vec<f32> {
    let mut out = vec![f32::NAN; n];
    decode_floats_into(table, data, rows, offsets, fmt, threads, &mut out).unwrap();
    out
}

#[test]
fn indexes_and_means_give_the_table_coders_bytes_in_both_formats() {
    let t = table();
    for n in [0, 1, 7, 100, 4099, 3 * MIN_LANE_SYMBOLS + 11] {
        let (y, means, ix) = w1_rows(n, n as u64 + 3, t.num_tables());
        let zeros = vec![0f32; n];
        for fmt in FORMATS {
            for with_means in [false, true] {
                let (offsets, o) = if with_means {
                    (Offsets::Means(&means), &means[..])
                } else {
                    (Offsets::None, &zeros[..])
                };
                let want = table_bytes(&t, &reference_symbols(&y, o), &ix, fmt);
                for threads in [1, 2] {
                    let got = encode_floats(&t, &y, Rows::Indexes(&ix), offsets, MAX, fmt, threads)
                        .unwrap();
                    assert!(got == want, "n={n} {fmt:?} means={with_means}");
                }
                let back = decode(&t, &want, Rows::Indexes(&ix), offsets, fmt, 2, n);
                let expect: Vec<f32> = y
                    .iter()
                    .zip(o)
                    .map(|(&v, &m)| {
                        if with_means {
                            (v - m).round_ties_even() + m
                        } else {
                            v.round_ties_even()
                        }
                    })
                    .collect();
                assert!(back == expect, "n={n} {fmt:?} means={with_means}");
            }
        }
    }
}

/// A factorized model's layout: items of (channels, plane), rows by channel, medians.
#[test]
fn channels_and_medians_give_the_table_coders_bytes() {
    let t = table();
    let mut rng = Rng(77);
    for (channels, plane, items) in [(1, 1, 1), (3, 5, 2), (16, 16, 1), (64, 1, 3), (8, 4099, 1)] {
        let n = channels * plane * items;
        let medians: Vec<f32> = (0..channels).map(|_| (rng.normal() * 2.0) as f32).collect();
        let values: Vec<f32> = (0..n).map(|_| (rng.normal() * 4.0) as f32).collect();
        let rows: Vec<i32> = (0..n).map(|i| ((i / plane) % channels) as i32).collect();
        let per_pos: Vec<f32> = rows.iter().map(|&c| medians[c as usize]).collect();
        let layout = Rows::Channels { channels, plane };
        for fmt in FORMATS {
            let want = table_bytes(&t, &reference_symbols(&values, &per_pos), &rows, fmt);
            let got = encode_floats(&t, &values, layout, Offsets::Medians(&medians), MAX, fmt, 0)
                .unwrap();
            assert!(got == want, "{channels}x{plane}x{items} {fmt:?}");
            // The same as explicit rows with one mean per position.
            let explicit = encode_floats(
                &t,
                &values,
                Rows::Indexes(&rows),
                Offsets::Means(&per_pos),
                MAX,
                fmt,
                1,
            )
            .unwrap();
            assert!(explicit == want);
            let back = decode(&t, &got, layout, Offsets::Medians(&medians), fmt, 1, n);
            let expect: Vec<f32> = values
                .iter()
                .zip(&per_pos)
                .map(|(&v, &m)| (v - m).round_ties_even() + m)
                .collect();
            assert!(back == expect, "{channels}x{plane}x{items} {fmt:?}");
            let plain = encode_floats(&t, &values, layout, Offsets::None, MAX, fmt, 1).unwrap();
            let zeros = vec![0f32; n];
            assert!(plain == table_bytes(&t, &reference_symbols(&values, &zeros), &rows, fmt));
        }
    }
}

/// No positions: an empty item (a plane of 0) or no items, in both formats.
#[test]
fn empty_layouts_code_nothing() {
    let t = table();
    for (channels, plane) in [(4, 0), (0, 3), (4, 3)] {
        let rows = Rows::Channels { channels, plane };
        let medians = vec![0.5f32; channels];
        for fmt in FORMATS {
            let data =
                encode_floats(&t, &[], rows, Offsets::Medians(&medians), MAX, fmt, 1).unwrap();
            assert_eq!(data, table_bytes(&t, &[], &[], fmt));
            let mut out: [f32; 0] = [];
            decode_floats_into(
                &t,
                &data,
                rows,
                Offsets::Medians(&medians),
                fmt,
                1,
                &mut out,
            )
            .unwrap();
        }
    }
}

/// Halves, large values (the element-by-element rounding) and values at the limit.
#[test]
fn rounding_is_torch_round_everywhere() {
    let t = table();
    let values: Vec<f32> = vec![
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        -2.5,
        4_194_303.5,
        -4_194_304.5,
        8_388_607.5,
        1_073_741_824.0,
        -1_073_741_824.0,
        1e-30,
        -0.0,
        3.4999998,
        100.5,
        101.5,
    ];
    let n = values.len();
    let ix = vec![5i32; n];
    let zeros = vec![0f32; n];
    for fmt in FORMATS {
        let want = table_bytes(&t, &reference_symbols(&values, &zeros), &ix, fmt);
        let got =
            encode_floats(&t, &values, Rows::Indexes(&ix), Offsets::None, MAX, fmt, 1).unwrap();
        assert!(got == want, "{fmt:?}");
        let back = decode(&t, &got, Rows::Indexes(&ix), Offsets::None, fmt, 1, n);
        let expect: Vec<f32> = values.iter().map(|v| v.round_ties_even()).collect();
        assert!(back == expect);
    }
}

fn invalid(r: fastrans::Result<Vec<u8>>) -> String {
    match r {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

/// NaN, infinities and symbols beyond the bound in values or means: the first bad
/// position named, whatever the chunk it is in, the thread count or the format.
#[test]
fn bad_values_are_refused_naming_the_first() {
    let t = table();
    let n = 2 * MAX_CHUNK_SYMBOLS + 17;
    let (y, means, ix) = w1_rows(n, 5, t.num_tables());
    let cases: [(usize, f32, &str); 6] = [
        (3, f32::NAN, "values[3] is NaN"),
        (MAX_CHUNK_SYMBOLS + 1, f32::INFINITY, "is not finite"),
        (n - 1, -f32::INFINITY, "is not finite"),
        (
            4000,
            1_073_741_952.0, // the float after 2^30
            "beyond ±1073741824",
        ),
        (0, -1.5e9, "beyond"),
        (n / 2, 3e38, "beyond"),
    ];
    for (at, bad, says) in cases {
        let mut v = y.clone();
        v[at] = bad;
        // A second bad value later: the first is the one reported.
        if at < n - 2 {
            v[n - 2] = f32::NAN;
        }
        for fmt in FORMATS {
            for threads in [1, 2] {
                let m = invalid(encode_floats(
                    &t,
                    &v,
                    Rows::Indexes(&ix),
                    Offsets::None,
                    MAX,
                    fmt,
                    threads,
                ));
                assert!(
                    m.contains(&format!("[{at}]")) && m.contains(says),
                    "{m} / {says}"
                );
            }
        }
    }
    // The bound is the caller's: 2^30 passes at MAX, fails at MAX - 1.
    let v = vec![1_073_741_824.0f32; 3];
    let i3 = [0i32; 3];
    assert!(encode_floats(
        &t,
        &v,
        Rows::Indexes(&i3),
        Offsets::None,
        MAX,
        StreamFormat::Fastrans,
        1
    )
    .is_ok());
    let m = invalid(encode_floats(
        &t,
        &v,
        Rows::Indexes(&i3),
        Offsets::None,
        MAX - 1,
        StreamFormat::Fastrans,
        1,
    ));
    assert!(m.contains("values[0]"), "{m}");
    // NaN or infinite means.
    for bad in [f32::NAN, f32::INFINITY] {
        let mut m = means.clone();
        m[MAX_CHUNK_SYMBOLS + 5] = bad;
        let e = invalid(encode_floats(
            &t,
            &y,
            Rows::Indexes(&ix),
            Offsets::Means(&m),
            MAX,
            StreamFormat::Fastrans,
            2,
        ));
        assert!(
            e.contains(&format!("position {}", MAX_CHUNK_SYMBOLS + 5)),
            "{e}"
        );
    }
    // A NaN median.
    let med = [0.0f32, f32::NAN];
    let v = vec![0.0f32; 8];
    let e = invalid(encode_floats(
        &t,
        &v,
        Rows::Channels {
            channels: 2,
            plane: 2,
        },
        Offsets::Medians(&med),
        MAX,
        StreamFormat::CompressAi,
        1,
    ));
    assert!(e.contains("position 2 (medians) is NaN"), "{e}");
}

/// Rows outside the table get the table coder's error (and rank before bad values);
/// wrong lengths and inconsistent layouts are refused; nothing is written to `out`.
#[test]
fn bad_rows_and_lengths_are_refused() {
    let t = table();
    let rows_n = t.num_tables();
    let n = 100;
    let (mut y, means, mut ix) = w1_rows(n, 9, rows_n);
    y[2] = f32::NAN;
    ix[40] = rows_n as i32;
    let want = match format::encode(&t, &vec![0; n], &ix, 1) {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("{other:?}"),
    };
    for fmt in FORMATS {
        let got = invalid(encode_floats(
            &t,
            &y,
            Rows::Indexes(&ix),
            Offsets::None,
            MAX,
            fmt,
            1,
        ));
        assert_eq!(got, want);
        let mut out = vec![7f32; n];
        let e = decode_floats_into(
            &t,
            &[0; 16],
            Rows::Indexes(&ix),
            Offsets::None,
            fmt,
            1,
            &mut out,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            Error::InvalidArgument(want.clone()).to_string()
        );
        assert!(out.iter().all(|&o| o == 7.0));
    }
    ix[40] = -1;
    assert!(invalid(encode_floats(
        &t,
        &y,
        Rows::Indexes(&ix),
        Offsets::None,
        MAX,
        StreamFormat::Fastrans,
        1
    ))
    .contains("indexes[40] = -1"));
    // More channels than rows: the first position of the first channel beyond the table.
    let e = invalid(encode_floats(
        &t,
        &vec![0.0; (rows_n + 2) * 3],
        Rows::Channels {
            channels: rows_n + 2,
            plane: 3,
        },
        Offsets::None,
        MAX,
        StreamFormat::Fastrans,
        1,
    ));
    assert!(
        e.contains(&format!(
            "indexes[{}] = {rows_n} is out of range",
            rows_n * 3
        )),
        "{e}"
    );
    // Lengths.
    let (y, _, ix) = w1_rows(n, 9, rows_n);
    let short = &means[..n - 1];
    for fmt in FORMATS {
        assert!(invalid(encode_floats(
            &t,
            &y,
            Rows::Indexes(&ix[..n - 1]),
            Offsets::None,
            MAX,
            fmt,
            1
        ))
        .contains("indexes has 99 elements"));
        assert!(invalid(encode_floats(
            &t,
            &y,
            Rows::Indexes(&ix),
            Offsets::Means(short),
            MAX,
            fmt,
            1
        ))
        .contains("means has 99 elements"));
        assert!(invalid(encode_floats(
            &t,
            &y,
            Rows::Channels {
                channels: 3,
                plane: 7
            },
            Offsets::None,
            MAX,
            fmt,
            1
        ))
        .contains("not whole items"));
        assert!(invalid(encode_floats(
            &t,
            &y,
            Rows::Channels {
                channels: 10,
                plane: 10
            },
            Offsets::Medians(&[0.0; 9]),
            MAX,
            fmt,
            1
        ))
        .contains("medians has 9 elements"));
        assert!(invalid(encode_floats(
            &t,
            &y,
            Rows::Indexes(&ix),
            Offsets::Medians(&[0.0; 9]),
            MAX,
            fmt,
            1
        ))
        .contains("need rows by channel"));
        let mut out = vec![7f32; n];
        assert!(decode_floats_into(
            &t,
            &[],
            Rows::Indexes(&ix),
            Offsets::Means(short),
            fmt,
            1,
            &mut out
        )
        .is_err());
        assert!(out.iter().all(|&o| o == 7.0));
    }
    // A damaged CompressAI stream leaves `out` as it was.
    let data = encode_floats(
        &t,
        &y,
        Rows::Indexes(&ix),
        Offsets::None,
        MAX,
        StreamFormat::CompressAi,
        1,
    )
    .unwrap();
    let mut out = vec![7f32; n];
    assert!(decode_floats_into(
        &t,
        &data[..data.len() - 4],
        Rows::Indexes(&ix),
        Offsets::None,
        StreamFormat::CompressAi,
        1,
        &mut out
    )
    .is_err());
    assert!(out.iter().all(|&o| o == 7.0));
}

/// Decoded into poisoned memory, a multi-chunk stream comes back exactly on one, two and
/// three threads, through the vector and the scalar lanes, with either layout.
#[test]
fn every_output_position_is_written() {
    let t = table();
    // Three chunks, the last one short; a multiple of 5 for the channel layout.
    let n = 2 * MAX_CHUNK_SYMBOLS + 3 * MIN_LANE_SYMBOLS + 4;
    let (y, means, ix) = w1_rows(n, 33, t.num_tables());
    let data = encode_floats(
        &t,
        &y,
        Rows::Indexes(&ix),
        Offsets::Means(&means),
        MAX,
        StreamFormat::Fastrans,
        0,
    )
    .unwrap();
    let want: Vec<f32> = y
        .iter()
        .zip(&means)
        .map(|(&v, &m)| (v - m).round_ties_even() + m)
        .collect();
    // n = 5 channels of a plane of n / 5 positions.
    let (channels, plane) = (5, n / 5);
    let medians = [0.25f32, -1.0, 0.5, 2.0, -0.75];
    let chan_data = encode_floats(
        &t,
        &y,
        Rows::Channels { channels, plane },
        Offsets::Medians(&medians),
        MAX,
        StreamFormat::Fastrans,
        0,
    )
    .unwrap();
    let chan_want: Vec<f32> = y
        .iter()
        .enumerate()
        .map(|(i, &v)| (v - medians[i / plane]).round_ties_even() + medians[i / plane])
        .collect();
    assert_eq!(n % 5, 0);
    for threads in [1, 2, 3] {
        for scalar in [false, true] {
            let run = |data: &[u8], rows: Rows<'_>, offsets: Offsets<'_>| {
                let mut out = vec![f32::from_bits(0x7fa5_a5a5); n];
                let r = if scalar {
                    fastrans::testing::with_scalar_lanes(|| {
                        decode_floats_into(
                            &t,
                            data,
                            rows,
                            offsets,
                            StreamFormat::Fastrans,
                            threads,
                            &mut out,
                        )
                    })
                } else {
                    decode_floats_into(
                        &t,
                        data,
                        rows,
                        offsets,
                        StreamFormat::Fastrans,
                        threads,
                        &mut out,
                    )
                };
                r.unwrap();
                out
            };
            assert!(
                run(&data, Rows::Indexes(&ix), Offsets::Means(&means)) == want,
                "threads={threads}"
            );
            assert!(
                run(
                    &chan_data,
                    Rows::Channels { channels, plane },
                    Offsets::Medians(&medians)
                ) == chan_want,
                "threads={threads}"
            );
        }
    }
}
