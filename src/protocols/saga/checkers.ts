import type { Checker, CheckerStep, CheckerViolation, Durable } from "../../sim/types";
import {
  SAGA_KEY_PREFIX,
  SERVICE_KEY,
  type SagaConfig,
  type SagaRecord,
  type SagaState,
  type ServiceDurable,
} from "./types";

/**
 * What a saga must guarantee (Garcia-Molina & Salem 1987, section 1: either T1..Tn or
 * T1..Tj, Cj..C1), judged over the nodes' durable states only, never the handlers:
 * every step and compensation is persisted before it is answered, so storage is the truth.
 */
export const SAGA_INVARIANTS = ["MoneyConserved", "NoBookingWithoutPayment", "SagaEnds"] as const;

function service(durable: ReadonlyMap<string, Durable>, node: string): ServiceDurable | undefined {
  return durable.get(node)?.get(SERVICE_KEY) as ServiceDurable | undefined;
}

function sagas(durable: ReadonlyMap<string, Durable>, config: SagaConfig): Map<string, SagaRecord> {
  const out = new Map<string, SagaRecord>();
  for (const [key, value] of durable.get(config.orchestrator) ?? new Map()) {
    if (key.startsWith(SAGA_KEY_PREFIX)) out.set(key.slice(SAGA_KEY_PREFIX.length), value as unknown as SagaRecord);
  }
  return out;
}

function once(seen: Set<string>, id: string, violation: CheckerViolation): CheckerViolation[] {
  if (seen.has(id)) return [];
  seen.add(id);
  return [violation];
}

/** No saga is refunded more than it was charged: a refund paid twice creates money (Helland 2012 on idempotence). */
function moneyConserved(config: SagaConfig): Checker<SagaState> {
  const seen = new Set<string>();
  const judge = (step: CheckerStep<SagaState>): CheckerViolation[] => {
    if (config.payment === null) return [];
    const data = service(step.durable, config.payment);
    if (data === undefined) return [];
    const out: CheckerViolation[] = [];
    for (const [saga, booking] of Object.entries(data.bookings)) {
      if (booking.refunded > booking.charged) {
        out.push(
          ...once(seen, saga, {
            node: config.payment,
            message: `${config.payment} refunded ${booking.refunded} for ${saga} but charged only ${booking.charged}: money was created.`,
            data: { saga, charged: booking.charged, refunded: booking.refunded },
          }),
        );
      }
    }
    return out;
  };
  return {
    invariant: "MoneyConserved",
    description: "No saga is refunded more than it was charged.",
    observe: judge,
    finish: judge,
  };
}

/** Once a saga has ended, no service holds a booking for it unless the payment stands. */
function noBookingWithoutPayment(config: SagaConfig): Checker<SagaState> {
  const seen = new Set<string>();
  const judge = (step: CheckerStep<SagaState>): CheckerViolation[] => {
    if (config.payment === null) return [];
    const pay = service(step.durable, config.payment);
    const out: CheckerViolation[] = [];
    for (const [saga, record] of sagas(step.durable, config)) {
      if (record.status !== "COMMITTED" && record.status !== "COMPENSATED") continue;
      const b = pay?.bookings[saga];
      const paid = b !== undefined && b.charged - b.refunded > 0;
      if (paid) continue;
      for (const node of config.steps) {
        if (node === config.payment) continue;
        if (service(step.durable, node)?.bookings[saga]?.status === "BOOKED") {
          out.push(
            ...once(seen, `${saga}:${node}`, {
              node,
              message: `${saga} has ended (${record.status}) and ${node} still holds a booking for it, but nothing is paid.`,
              data: { saga, service: node, status: record.status },
            }),
          );
        }
      }
    }
    return out;
  };
  return {
    invariant: "NoBookingWithoutPayment",
    description: "Once a saga has ended, no service holds a booking for it without a payment.",
    observe: judge,
    finish: judge,
  };
}

/** When the run stops, every started saga is COMMITTED with every step booked, or COMPENSATED with none booked. */
function sagaEnds(config: SagaConfig): Checker<SagaState> {
  return {
    invariant: "SagaEnds",
    description: "Every started saga ends committed (every step booked) or fully compensated (no step booked).",
    observe: () => [],
    finish: (step) => {
      const out: CheckerViolation[] = [];
      for (const [saga, record] of sagas(step.durable, config)) {
        const booked = config.steps.filter((node) => service(step.durable, node)?.bookings[saga]?.status === "BOOKED");
        if (record.status === "COMMITTED" && booked.length === config.steps.length) continue;
        if (record.status === "COMPENSATED" && booked.length === 0) continue;
        out.push({
          node: config.orchestrator,
          message: `${saga} is ${record.status} in the saga log, with ${booked.length} of ${config.steps.length} steps booked.`,
          data: { saga, status: record.status, booked },
        });
      }
      return out;
    },
  };
}

export function sagaCheckers(config: SagaConfig): Checker<SagaState>[] {
  return [moneyConserved(config), noBookingWithoutPayment(config), sagaEnds(config)];
}
