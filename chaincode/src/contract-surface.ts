import { Info, Param, Returns, Transaction, type Context, type Contract } from 'fabric-contract-api';

/** How one transaction appears in the contract metadata peers and clients see. */
export interface TransactionSurface {
  /** false for queries: evaluated on one peer and never ordered. */
  readonly submit: boolean;
  /**
   * Parameter names in order, each with its description. Every parameter is a string: Fabric passes strings,
   * and parsing numbers and JSON ourselves keeps every refusal an INVALID_ARGUMENT with our message.
   */
  readonly params: Readonly<Record<string, string>>;
}

/** The contract's public transaction methods: `(ctx, ...strings) => Promise<string>`, minus Contract's own. */
export type TransactionName<T> = Exclude<
  {
    [K in keyof T]: T[K] extends (ctx: Context, ...args: string[]) => Promise<string> ? K : never;
  }[keyof T],
  keyof Contract
>;

/** Contract-level metadata (fabric-contract-api's `@Info`). */
export interface ContractInfo {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/**
 * Declares a contract's public surface with fabric-contract-api's own `@Info`, `@Transaction`, `@Returns` and
 * `@Param`, applied as functions in the order TypeScript's legacy decorator emit applies them.
 *
 * Why not decorator syntax: the repository's shared Jest configuration compiles TypeScript without
 * `experimentalDecorators`, and under standard decorators fabric-contract-api's decorators receive a different
 * signature and fail. Applied this way, the same source yields the same metadata under `tsc -b` and under Jest,
 * and the table doubles as a readable index of the contract. The mapped type makes the compiler insist that every
 * public transaction method is declared, and the arity check stops start-up if a table and a method disagree.
 *
 * @throws Error at module load when a listed method is missing or its arity differs from its parameter list.
 */
export function declareContract<T extends Contract>(
  contractClass: abstract new () => T,
  info: ContractInfo,
  transactions: { readonly [K in TransactionName<T>]: TransactionSurface },
): void {
  Info({ ...info })(contractClass);
  const prototype = contractClass.prototype as unknown as Record<string, unknown>;
  for (const [name, surface] of Object.entries(transactions) as [string, TransactionSurface][]) {
    const method = prototype[name];
    const paramNames = Object.keys(surface.params);
    if (typeof method !== 'function' || method.length !== paramNames.length + 1) {
      throw new Error(`${contractClass.name}.${name} does not take (ctx, ${paramNames.join(', ')})`);
    }
    Returns('string')(prototype, name);
    Transaction(surface.submit)(prototype, name);
    // After @Transaction, which resets the parameter list when no design-time types were emitted.
    for (const param of paramNames) Param(param, 'string', surface.params[param])(prototype, name);
  }
}
