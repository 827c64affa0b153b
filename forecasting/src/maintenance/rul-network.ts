import { NeuralNetwork, type INeuralNetworkJSON } from 'brain.js';
import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import { withSeededRandom } from './seeded-random';

/** A brain.js feed-forward network as a model member: architecture, training schedule and seed. */
export interface NetworkSpec {
  readonly kind: 'neural-network';
  readonly hiddenLayers: readonly number[];
  /** brain.js 1.6's `leaky-relu` is left out: its forward pass zeroes the positive side. */
  readonly activation: 'sigmoid' | 'relu' | 'tanh';
  /** Passes over the training samples, each in a fresh seeded order. */
  readonly epochs: number;
  readonly learningRate: number;
  readonly momentum: number;
  /** Seeds weight initialisation and the order of samples, so training is reproducible. */
  readonly seed: number;
}

/** A trained network's parameters in compact arrays: `weights[layer][node][input]`, layer 0 being the first hidden. */
export interface NetworkJson {
  readonly kind: 'neural-network';
  readonly sizes: readonly number[];
  readonly activation: NetworkSpec['activation'];
  readonly biases: readonly (readonly number[])[];
  readonly weights: readonly (readonly (readonly number[])[])[];
}

/** A trained network with one output in [0, 1] (sigmoid) or [0, ∞) (relu). */
export interface TrainedNetwork {
  run(input: readonly number[]): number;
  toJSON(): NetworkJson;
}

/**
 * Trains a brain.js `NeuralNetwork` on standardised inputs and targets scaled to [0, 1]. brain.js trains online
 * (one weight update per sample) in the order it is given and never shuffles, so samples arrive ordered by unit and
 * cycle unless shuffled here; each epoch is one `train` call on a freshly shuffled copy. Everything random (initial
 * weights in brain.js, the shuffles here) draws from one seeded generator, see {@link withSeededRandom}.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when there are no samples or a spec value is out of range.
 */
export function trainNetwork(
  spec: NetworkSpec,
  inputs: readonly (readonly number[])[],
  targets: readonly number[],
): TrainedNetwork {
  if (inputs.length === 0 || inputs.length !== targets.length) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `network: ${inputs.length} inputs for ${targets.length} targets`,
    );
  }
  if (
    !Number.isInteger(spec.epochs) ||
    spec.epochs < 1 ||
    !(spec.learningRate > 0 && spec.learningRate < 1)
  ) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      'network: epochs must be >= 1 and learningRate in (0, 1)',
    );
  }
  return withSeededRandom(spec.seed, () => {
    const network = new NeuralNetwork({ hiddenLayers: [...spec.hiddenLayers], activation: spec.activation });
    const samples = inputs.map((input, i) => ({ input: [...input], output: [targets[i]!] }));
    for (let epoch = 0; epoch < spec.epochs; epoch += 1) {
      shuffleInPlace(samples);
      network.train(samples, {
        iterations: 1,
        // brain.js stops once the mean squared error falls below errorThresh; the epoch count is the budget.
        errorThresh: 1e-9,
        learningRate: spec.learningRate,
        momentum: spec.momentum,
        log: false,
      });
    }
    return wrap(network);
  });
}

/**
 * Rebuilds a {@link TrainedNetwork} from {@link NetworkJson}.
 * @throws {@link MaintenanceError} MAINTENANCE_MODEL_INVALID when the arrays do not match `sizes`.
 */
export function restoreNetwork(json: NetworkJson): TrainedNetwork {
  const { sizes, biases, weights } = json;
  const shapeOk =
    sizes.length >= 2 &&
    biases.length === sizes.length - 1 &&
    weights.length === sizes.length - 1 &&
    weights.every(
      (layer, l) =>
        layer.length === sizes[l + 1] &&
        biases[l]?.length === sizes[l + 1] &&
        layer.every((node) => node.length === sizes[l] && node.every(Number.isFinite)),
    );
  if (!shapeOk)
    throw new MaintenanceError(MaintenanceErrorCode.ModelInvalid, 'network: weights do not match sizes');
  const layers: Record<string, { bias?: number; weights?: Record<string, number> }>[] = [
    Object.fromEntries(Array.from({ length: sizes[0]! }, (_, i) => [String(i), {}])),
    ...weights.map((layer, l) =>
      Object.fromEntries(
        layer.map((node, j) => [
          String(j),
          { bias: biases[l]![j]!, weights: Object.fromEntries(node.map((w, k) => [String(k), w])) },
        ]),
      ),
    ),
  ];
  const brainJson: INeuralNetworkJSON = {
    sizes: [...sizes],
    layers,
    outputLookup: false,
    inputLookup: false,
    activation: json.activation,
    trainOpts: {},
  };
  // fromJSON re-runs brain.js's random initialisation before overwriting it; seeding keeps Math.random untouched
  // for everyone else's sake and the restore deterministic.
  return withSeededRandom(0, () => wrap(new NeuralNetwork().fromJSON(brainJson)));
}

function wrap(network: NeuralNetwork): TrainedNetwork {
  // Parameters are read once: brain.js's JSON keys every weight by node name, the compact form is a third the size.
  const json = network.toJSON() as unknown as {
    sizes: number[];
    activation: NetworkSpec['activation'];
    layers: Record<string, { bias: number; weights: Record<string, number> }>[];
  };
  const compact: NetworkJson = {
    kind: 'neural-network',
    sizes: [...json.sizes],
    activation: json.activation,
    biases: json.layers
      .slice(1)
      .map((layer, l) => range(json.sizes[l + 1]!).map((j) => layer[String(j)]!.bias)),
    weights: json.layers
      .slice(1)
      .map((layer, l) =>
        range(json.sizes[l + 1]!).map((j) =>
          range(json.sizes[l]!).map((k) => layer[String(j)]!.weights[String(k)]!),
        ),
      ),
  };
  return {
    run: (input) => network.run([...input])[0] ?? Number.NaN,
    toJSON: () => compact,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Fisher-Yates with `Math.random`, which {@link trainNetwork} has seeded. */
function shuffleInPlace<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    const item = items[i]!;
    items[i] = items[j]!;
    items[j] = item;
  }
}
