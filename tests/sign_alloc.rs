//! Signing on the exec thread allocates nothing once warm: encoding into the signer's reused
//! buffer, hashing, EIP-712, ECDSA, and writing the request body into a reused buffer.
//! Counted by a global allocator that counts only on the thread that armed it.

use hlmm::types::{AssetId, Cloid, Coin, InstrumentSpec, Oid, Px, Side, Sz};
use hlmm::wire::action::{ActionRef, CancelWire, Grouping, OrderWire, Tif};
use hlmm::wire::keys::AgentKey;
use hlmm::wire::nonce::NonceSource;
use hlmm::wire::sign::{recover_agent, write_exchange_body, Chain, L1Signer};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

/// Allocations made by this thread while running `f`.
fn count_allocs(f: impl FnOnce()) -> usize {
    counting_alloc::allocations_during(f) as usize
}

const KEY_HEX: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

fn batch(spec: &InstrumentSpec, n: usize, base: i64) -> Vec<OrderWire> {
    (0..n)
        .map(|i| {
            let side = if i % 2 == 0 { Side::Bid } else { Side::Ask };
            OrderWire::limit(
                spec,
                side,
                Px(base + i as i64 * 10),
                Sz(100 + i as i64),
                Tif::Alo,
                false,
                Some(Cloid(0xabc0 + i as u128)),
            )
        })
        .collect()
}

#[test]
fn signing_an_order_batch_into_warm_buffers_allocates_nothing() {
    let spec = InstrumentSpec::perp(AssetId(4), Coin::new(b"ETH").expect("coin"), 4);
    let mut signer = L1Signer::new(AgentKey::from_hex(KEY_HEX).expect("key"), Chain::Testnet);
    let nonces = NonceSource::new();
    // The exec thread's reused buffers: the order batch and the HTTP body.
    let mut orders = batch(&spec, 40, 189_000);
    let cancels: Vec<CancelWire> =
        (0..40).map(|i| CancelWire { asset: AssetId(4), oid: Oid(1_000_000 + i) }).collect();
    let mut body = Vec::with_capacity(16 * 1024);

    let mut round = |orders: &[OrderWire], now_ms: u64| {
        let nonce = nonces.next(now_ms);
        let action = ActionRef::Order { orders, grouping: Grouping::Na, builder: None };
        let sig = signer.sign(action, nonce, None, Some(now_ms + 5_000)).expect("sign");
        body.clear();
        write_exchange_body(&mut body, action, nonce, &sig, None, Some(now_ms + 5_000));
        let cancel = ActionRef::Cancel { cancels: &cancels, fast: false };
        let cancel_nonce = nonces.next(now_ms);
        let sig = signer.sign(cancel, cancel_nonce, None, None).expect("sign");
        body.clear();
        write_exchange_body(&mut body, cancel, cancel_nonce, &sig, None, None);
    };

    // Warm-up: buffers grow to the largest batch; lazily initialised constants are built.
    round(&orders, 1_700_000_000_000);

    // Steady state: new prices and sizes written into the same batch storage, every size of
    // batch up to the warmed one.
    let allocs = count_allocs(|| {
        for step in 0..50u64 {
            let n = 1 + (step as usize * 7) % 40;
            for (i, o) in orders.iter_mut().take(n).enumerate() {
                *o = OrderWire::limit(
                    &spec,
                    Side::Bid,
                    Px(180_000 + step as i64 * 10 + i as i64),
                    Sz(1 + i as i64),
                    Tif::Alo,
                    step % 2 == 0,
                    Some(Cloid(u128::from(step) << 64 | i as u128)),
                );
            }
            round(&orders[..n], 1_700_000_000_000 + step);
        }
    });
    assert_eq!(allocs, 0, "allocations while signing 100 warm actions");
}

#[test]
fn verifying_a_signed_action_with_a_warm_scratch_buffer_allocates_nothing() {
    let spec = InstrumentSpec::perp(AssetId(4), Coin::new(b"ETH").expect("coin"), 4);
    let mut signer = L1Signer::new(AgentKey::from_hex(KEY_HEX).expect("key"), Chain::Testnet);
    let orders = batch(&spec, 20, 190_000);
    let action = ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None };
    let sig = signer.sign(action, 1, None, None).expect("sign");
    let mut scratch = Vec::new();
    let want = recover_agent(action, 1, None, None, Chain::Testnet, &sig, &mut scratch);
    assert_eq!(want, Ok(signer.address()));

    let allocs = count_allocs(|| {
        for _ in 0..20 {
            let got = recover_agent(action, 1, None, None, Chain::Testnet, &sig, &mut scratch);
            assert_eq!(got, Ok(signer.address()));
        }
    });
    assert_eq!(allocs, 0, "allocations while recovering 20 signers");
}

#[test]
fn the_counter_sees_an_allocation() {
    // Guards the two tests above against passing because nothing is counted.
    let n = count_allocs(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(64));
    });
    assert_eq!(n, 1);
}
