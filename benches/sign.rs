//! Signing benches: the secp256k1 library choice (k256, which the SDK signs with, vs
//! libsecp256k1 through a caller-owned context, which we sign with), keccak256, and the full L1
//! signing path (ours vs the SDK's way). Results and the choice: `perf/sign.md`.
//!
//! Run: `cargo bench --bench sign -- --warm-up-time 1 --measurement-time 3`.
//! The machine is shared: read the ratios within one run, not the absolute numbers.

use std::hint::black_box;

#[path = "../tests/sign_oracle/mod.rs"]
mod sign_oracle;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hlmm::types::{AssetId, Cloid, Coin, InstrumentSpec, Px, Side, Sz};
use hlmm::wire::action::{ActionRef, Grouping, OrderWire, Tif};
use hlmm::wire::keys::AgentKey;
use hlmm::wire::sign::{
    action_hash, agent_digest, recover_signer, sign_l1_action, Chain, L1Signer,
};

/// The SDK's published test key.
const KEY_HEX: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

fn key_bytes() -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

/// A libsecp256k1 context as `AgentKey` builds one: signing, blinded once (fixed seed here;
/// blinding does not change the signature or its cost).
fn secp_signing_ctx() -> secp256k1::Secp256k1<secp256k1::SignOnly> {
    let mut ctx = secp256k1::Secp256k1::signing_only();
    ctx.seeded_randomize(&[0x5a; 32]);
    ctx
}

/// libsecp256k1 signing through that owned context with its own RFC 6979 nonce function
/// (SHA-256 in portable C): `AgentKey`'s path before src/wire/rfc6979.rs. Through `ffi`
/// because the crate's safe API re-randomises its global context after every signature.
fn libsecp_sign_c_rfc6979(
    ctx: &secp256k1::Secp256k1<secp256k1::SignOnly>,
    secret: &[u8; 32],
    digest: &[u8; 32],
) -> secp256k1::ecdsa::RecoverableSignature {
    use secp256k1::ffi;
    let mut sig = ffi::recovery::RecoverableSignature::new();
    // SAFETY: a live signing context; `digest` and `secret` (a valid key) are 32 bytes each;
    // `sig` is a valid out-parameter; libsecp256k1's own nonce function with no data.
    let ok = unsafe {
        ffi::recovery::secp256k1_ecdsa_sign_recoverable(
            ctx.ctx().as_ptr(),
            &mut sig,
            digest.as_ptr(),
            secret.as_ptr(),
            ffi::secp256k1_nonce_function_rfc6979,
            std::ptr::null(),
        )
    };
    assert_eq!(ok, 1, "libsecp256k1 signs with a valid key");
    sig.into()
}

fn digest() -> [u8; 32] {
    let mut d = [0u8; 32];
    for (i, b) in d.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    d
}

/// Sign one 32-byte digest, recoverable, RFC6979: the per-action cost on the exec thread.
/// A regression here is directly added to every order's send latency.
fn bench_sign_libs(c: &mut Criterion) {
    let mut g = c.benchmark_group("ecdsa_sign_recoverable");
    g.throughput(Throughput::Elements(1));
    let sk = key_bytes();
    let d = digest();

    let k256_key = k256::ecdsa::SigningKey::from_bytes(&sk.into()).expect("k256 key");
    g.bench_function("k256", |b| {
        b.iter(|| k256_key.sign_prehash_recoverable(black_box(&d)).expect("sign"))
    });

    let ctx = secp_signing_ctx();
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| libsecp_sign_c_rfc6979(&ctx, &sk, black_box(&d)))
    });

    // The crate's safe API, for reference: the same signature plus a re-randomisation of its
    // global context (a second generator multiplication) after every signature.
    let secp_key = secp256k1::SecretKey::from_secret_bytes(sk).expect("secp key");
    g.bench_function("libsecp256k1_safe_api_rerandomised", |b| {
        b.iter(|| {
            secp256k1::ecdsa::RecoverableSignature::sign_ecdsa_recoverable(
                secp256k1::Message::from_digest(black_box(d)),
                &secp_key,
            )
        })
    });

    // What the exec thread runs: libsecp256k1 with our RFC 6979 nonces (src/wire/rfc6979.rs).
    let agent = AgentKey::from_bytes(&sk).expect("key");
    g.bench_function("ours_libsecp256k1_rust_rfc6979", |b| {
        b.iter(|| sign_l1_action(&agent, black_box(&d)).expect("sign"))
    });
    g.finish();
}

/// Recover the signer's public key from (digest, signature): the simulator's per-request
/// authentication cost. A regression lowers the simulator's /exchange throughput.
fn bench_recover_libs(c: &mut Criterion) {
    let mut g = c.benchmark_group("ecdsa_recover");
    g.throughput(Throughput::Elements(1));
    let sk = key_bytes();
    let d = digest();

    let k256_key = k256::ecdsa::SigningKey::from_bytes(&sk.into()).expect("k256 key");
    let (k_sig, k_rec) = k256_key.sign_prehash_recoverable(&d).expect("sign");
    g.bench_function("k256", |b| {
        b.iter(|| {
            k256::ecdsa::VerifyingKey::recover_from_prehash(black_box(&d), &k_sig, k_rec)
                .expect("recover")
        })
    });

    let s_sig = libsecp_sign_c_rfc6979(&secp_signing_ctx(), &sk, &d);
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| {
            s_sig.recover_ecdsa(secp256k1::Message::from_digest(black_box(d))).expect("recover")
        })
    });
    g.finish();
}

/// keccak256 of a typical 10-order batch encoding (~600 bytes); two more of 66 and 98 bytes
/// follow per signature (domain-separated digest), so this is the hashing share of a sign.
fn bench_keccak(c: &mut Criterion) {
    let mut g = c.benchmark_group("keccak256_600B");
    let data = vec![0xa5u8; 600];
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("sha3", |b| {
        b.iter(|| {
            use sha3::Digest;
            let out: [u8; 32] = sha3::Keccak256::digest(black_box(&data)).into();
            out
        })
    });
    g.bench_function("tiny-keccak", |b| {
        b.iter(|| {
            use tiny_keccak::Hasher;
            let mut h = tiny_keccak::Keccak::v256();
            h.update(black_box(&data));
            let mut out = [0u8; 32];
            h.finalize(&mut out);
            out
        })
    });
    g.finish();
}

/// The library comparison of the two groups above, ours vs the SDK's encode + hash (no
/// signature) and ours vs the SDK's whole signing path (10 orders), interleaved: blocks of 64
/// operations of each variant alternate 60 times, so all see the same machine load (the box is
/// shared and criterion runs groups tens of seconds apart).
/// Prints the fastest and the median block per variant, ns/op, and the ratio of the minimums.
/// Not a criterion measurement: nothing is timed by `c`.
fn interleaved(_c: &mut Criterion) {
    use std::time::Instant;
    const BLOCK: u32 = 64;
    const ROUNDS: usize = 60;
    let sk = key_bytes();
    let d = digest();
    let k256_key = k256::ecdsa::SigningKey::from_bytes(&sk.into()).expect("k256 key");
    let ctx = secp_signing_ctx();
    let (k_sig, k_rec) = k256_key.sign_prehash_recoverable(&d).expect("sign");
    let s_sig = libsecp_sign_c_rfc6979(&ctx, &sk, &d);
    let batch = orders(10);
    let action = ActionRef::Order { orders: &batch, grouping: Grouping::Na, builder: None };
    let mut signer = L1Signer::new(AgentKey::from_hex(KEY_HEX).expect("key"), Chain::Mainnet);
    let sdk_action = sdk_action_of(action);
    let wallet: ethers::signers::LocalWallet = KEY_HEX.parse().expect("wallet");
    let mut buf = Vec::with_capacity(4096);

    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..BLOCK {
            f();
        }
        t.elapsed().as_nanos() as f64 / f64::from(BLOCK)
    };
    let agent = AgentKey::from_bytes(&sk).expect("key");
    let mut variants: [(&str, Variant<'_>); 10] = [
        (
            "sign k256",
            Box::new(|| {
                black_box(k256_key.sign_prehash_recoverable(black_box(&d)).expect("sign"));
            }),
        ),
        (
            "sign libsecp256k1 (own context)",
            Box::new(|| {
                black_box(libsecp_sign_c_rfc6979(&ctx, &sk, black_box(&d)));
            }),
        ),
        (
            "sign ours (libsecp256k1, Rust RFC 6979)",
            Box::new(|| {
                black_box(sign_l1_action(&agent, black_box(&d)).expect("sign"));
            }),
        ),
        (
            "sign libsecp256k1 (own context, its C RFC 6979)",
            Box::new(|| {
                black_box(libsecp_sign_c_rfc6979(&ctx, &sk, black_box(&d)));
            }),
        ),
        (
            "recover k256",
            Box::new(|| {
                black_box(
                    k256::ecdsa::VerifyingKey::recover_from_prehash(black_box(&d), &k_sig, k_rec)
                        .expect("recover"),
                );
            }),
        ),
        (
            "recover libsecp256k1",
            Box::new(|| {
                black_box(
                    s_sig
                        .recover_ecdsa(secp256k1::Message::from_digest(black_box(d)))
                        .expect("recover"),
                );
            }),
        ),
        (
            "encode+hash 10 orders ours",
            Box::new(|| {
                buf.clear();
                black_box(action).write_msgpack(&mut buf);
                black_box(agent_digest(&action_hash(&buf, 1_583_838, None, None), Chain::Mainnet));
            }),
        ),
        (
            "encode+hash 10 orders sdk_way",
            Box::new(|| {
                let cid = sign_oracle::sdk_connection_id(black_box(&sdk_action), 1_583_838, None);
                black_box(sign_oracle::sdk_digest(cid, true));
            }),
        ),
        (
            "l1 sign 10 orders ours",
            Box::new(|| {
                black_box(signer.sign(black_box(action), 1_583_838, None, None).expect("sign"));
            }),
        ),
        (
            "l1 sign 10 orders sdk_way",
            Box::new(|| {
                let cid = sign_oracle::sdk_connection_id(black_box(&sdk_action), 1_583_838, None);
                black_box(sign_oracle::sdk_sign(&wallet, cid, true));
            }),
        ),
    ];
    let mut samples = [[0f64; ROUNDS]; 10];
    for round in 0..ROUNDS {
        for (column, (_, f)) in samples.iter_mut().zip(variants.iter_mut()) {
            column[round] = time(f.as_mut());
        }
    }
    for s in &mut samples {
        s.sort_by(f64::total_cmp);
    }
    for pair in 0..5 {
        let (a, b) = (2 * pair, 2 * pair + 1);
        println!(
            "interleaved {}: min {:.0} median {:.0} ns/op | {}: min {:.0} median {:.0} ns/op | ratio of mins {:.2}",
            variants[a].0,
            samples[a][0],
            samples[a][ROUNDS / 2],
            variants[b].0,
            samples[b][0],
            samples[b][ROUNDS / 2],
            samples[a][0] / samples[b][0],
        );
    }
}

/// One interleaved variant: a single operation, called `BLOCK` times per sample.
type Variant<'a> = Box<dyn FnMut() + 'a>;

/// The SDK's `Actions` for one of our actions, via our JSON (checked equal to the SDK's own
/// encoding by `tests/sign_sdk_vectors.rs`).
fn sdk_action_of(action: ActionRef<'_>) -> hyperliquid_rust_sdk::Actions {
    let mut json = Vec::new();
    action.write_json(&mut json);
    serde_json::from_slice(&json).expect("sdk parses our json")
}

fn orders(n: usize) -> Vec<OrderWire> {
    let spec = InstrumentSpec::perp(AssetId(4), Coin::new(b"ETH").expect("coin"), 4);
    (0..n)
        .map(|i| {
            let side = if i % 2 == 0 { Side::Bid } else { Side::Ask };
            OrderWire::limit(
                &spec,
                side,
                Px(189_230 + i as i64 * 10),
                Sz(123 + i as i64),
                Tif::Alo,
                false,
                Some(Cloid(0x1e60_610f_0b3d_4205_97c8_8c1f_ed2a_d500 + i as u128)),
            )
        })
        .collect()
}

/// The whole L1 path for an order batch: canonical msgpack into a reused buffer, connection id,
/// EIP-712 digest, sign. "ours" is what the exec thread runs; "sdk_way" is the SDK 0.6.0 path
/// (rmp-serde of its `Actions`, ethers EIP-712 and `LocalWallet::sign_hash`), rebuilt from its
/// public pieces in `tests/sign_oracle`. The gap is what our own encoder and signer buy per
/// action; "ours" regressing toward "sdk_way" means an allocation or a re-hash crept in.
fn bench_l1_path(c: &mut Criterion) {
    let key = AgentKey::from_hex(KEY_HEX).expect("key");
    for n in [1usize, 10] {
        let mut g = c.benchmark_group(format!("l1_sign_{n}_orders"));
        g.throughput(Throughput::Elements(1));
        let batch = orders(n);
        let action = ActionRef::Order { orders: &batch, grouping: Grouping::Na, builder: None };
        let mut signer = L1Signer::new(AgentKey::from_hex(KEY_HEX).expect("key"), Chain::Mainnet);
        g.bench_function("ours", |b| {
            b.iter(|| {
                signer.sign(black_box(action), black_box(1_583_838), None, Some(1_700_000_000_000))
            })
        });
        let mut buf = Vec::with_capacity(4096);
        g.bench_function("ours_encode_and_hash_only", |b| {
            b.iter(|| {
                buf.clear();
                black_box(action).write_msgpack(&mut buf);
                agent_digest(&action_hash(&buf, 1_583_838, None, None), Chain::Mainnet)
            })
        });
        let sdk_action = sdk_action_of(action);
        let wallet: ethers::signers::LocalWallet = KEY_HEX.parse().expect("wallet");
        g.bench_function("sdk_way_encode_and_hash_only", |b| {
            b.iter(|| {
                let cid = sign_oracle::sdk_connection_id(black_box(&sdk_action), 1_583_838, None);
                sign_oracle::sdk_digest(cid, true)
            })
        });
        g.bench_function("sdk_way", |b| {
            b.iter(|| {
                let cid = sign_oracle::sdk_connection_id(black_box(&sdk_action), 1_583_838, None);
                sign_oracle::sdk_sign(&wallet, cid, true)
            })
        });
        g.finish();
        let d = digest();
        let sig = sign_l1_action(&key, &d).expect("sign");
        assert_eq!(recover_signer(&d, &sig).expect("recover"), key.address());
    }
}

criterion_group!(
    benches,
    interleaved,
    bench_sign_libs,
    bench_recover_libs,
    bench_keccak,
    bench_l1_path
);
criterion_main!(benches);
