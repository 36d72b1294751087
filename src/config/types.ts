// The resolved pipeline: defaults filled, references checked, readonly. Only resolvePipeline()
// makes one; every later phase takes this type and never re-reads the YAML.
// Field names are the YAML's (snake_case), so a resolved pipeline prints back as valid YAML.

export type DatasetFormat = 'tiny-imagenet' | 'image-folder' | 'idx';
export type SplitName = 'train' | 'val' | 'test';
export type OnBadImage = 'error' | 'skip';

export interface IdxFiles {
  readonly images: string;
  /** null: the split has no labels file (loaded unlabelled). */
  readonly labels: string | null;
}

export interface ResolvedDataset {
  readonly format: DatasetFormat;
  /** Absolute: a relative root is joined onto the folder of the file that wrote it. */
  readonly root: string;
  readonly channels: 1 | 3;
  readonly image_size: readonly [number, number] | null;
  readonly resize: boolean;
  readonly on_bad_image: OnBadImage;
  readonly idx: { readonly [split in SplitName]?: IdxFiles };
  readonly class_names: readonly string[] | null;
}

/** One augmentation step as written, every default filled: `{op: 'random_crop', size: 56, ...}`. */
export interface AugmentStep {
  readonly op: string;
  readonly [param: string]: unknown;
}

export interface ResolvedDataSource {
  readonly split: SplitName;
  readonly fraction: number;
  readonly stratified: boolean;
  readonly per_class: number | null;
  readonly max_images: number | null;
  readonly unlabelled: boolean;
  /** The chain's name as written (null: none); its steps are in ResolvedPipeline.augment. */
  readonly augment: string | null;
  /** The pipeline seed unless the source sets its own. */
  readonly seed: number;
}

export type ResolvedDataSelection = ResolvedDataSource | { readonly concat: readonly ResolvedDataSource[] };

/** A graph node as written, defaults filled: an op node or the use of a block. */
export interface OpNode {
  readonly op: string;
  readonly name?: string;
  readonly from?: string | readonly string[];
  readonly [param: string]: unknown;
}
export interface BlockNode {
  readonly block: string;
  readonly args: Readonly<Record<string, number | boolean | string>>;
  readonly repeat: number | string;
  /** Number of the first copy in the inlined names; given, even a single copy is numbered. */
  readonly index_from?: number;
  readonly name?: string;
  readonly from?: string;
  /** Inline the block only where this holds (a boolean or an expression); else it passes its input on. */
  readonly if?: boolean | string;
}
export type GraphNode = OpNode | BlockNode;

export interface ResolvedBlock {
  readonly params: Readonly<Record<string, number | boolean | string>>;
  readonly nodes: readonly GraphNode[];
}

export type Initializer = string | { readonly type: string; readonly [param: string]: unknown };

/** Starting weights from a safetensors file of PyTorch-named tensors (src/graph/import/). */
export interface WeightsImport {
  /** Absolute: a relative path is joined onto the folder of the file that wrote it. */
  readonly file: string;
  readonly rename: readonly { readonly match: string; readonly to: string }[];
  readonly exclude: readonly string[];
  readonly strict: boolean;
}

export interface GraphModel {
  readonly description?: string;
  readonly input: readonly [number, number, number] | string;
  readonly init: Readonly<Record<string, { readonly kernel?: Initializer; readonly bias?: Initializer }>>;
  readonly weights?: WeightsImport;
  readonly nodes: readonly GraphNode[];
}
export interface ComposedModel {
  readonly description?: string;
  readonly compose: readonly string[];
}
export type ResolvedModel = GraphModel | ComposedModel;

export interface OptimizerConfig {
  readonly type: 'sgd' | 'adam' | 'adamw' | 'rmsprop';
  readonly lr: number;
  readonly [param: string]: unknown;
}
export interface ScheduleConfig {
  readonly type: string;
  readonly [param: string]: unknown;
}

export type Metric = 'val_loss' | 'val_top1' | 'val_top5' | 'train_loss' | 'train_top1';

export interface EarlyStopping {
  readonly monitor: Metric;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly min_delta: number;
  readonly restore_best: boolean;
}

export type StageKind = 'classify' | 'reconstruct' | 'evaluate';

export interface ResolvedStage {
  readonly kind: StageKind;
  readonly description?: string;
  readonly needs: readonly string[];
  readonly model: string;
  /** model name -> stage whose trained weights it starts from. */
  readonly init: Readonly<Record<string, string>>;
  readonly freeze: readonly string[];
  readonly train?: ResolvedDataSelection;
  readonly val?: ResolvedDataSelection;
  readonly corrupt: string | null;
  /** Filled by kind: cross_entropy for classify and evaluate, mse for reconstruct. */
  readonly loss: 'cross_entropy' | 'mse' | 'l1';
  readonly label_smoothing: number;
  readonly epochs?: number;
  readonly batch_size: number;
  /** Most images per forward/backward pass; null: a worker's whole part of the batch at once. */
  readonly micro_batch: number | null;
  readonly optimizer?: OptimizerConfig;
  /** Filled: {type: constant} when absent. */
  readonly schedule: ScheduleConfig;
  readonly early_stopping?: EarlyStopping;
  readonly checkpoint_every: number;
}

export interface ResolvedReport {
  readonly title?: string;
  readonly per_class: readonly string[];
  readonly top_classes: number;
  readonly preview: readonly string[];
}

export interface ResolvedPipeline {
  readonly name: string;
  readonly description?: string;
  readonly seed: number;
  /** Training workers as the pipeline sets them; absent: the CLI's default (one per core). */
  readonly workers?: number;
  /** Named values every model's expressions may read (`${num_classes}`); `--set params.X=V` changes one. */
  readonly params: Readonly<Record<string, number | boolean | string>>;
  readonly dataset: ResolvedDataset;
  readonly augment: Readonly<Record<string, readonly AugmentStep[]>>;
  readonly blocks: Readonly<Record<string, ResolvedBlock>>;
  readonly models: Readonly<Record<string, ResolvedModel>>;
  /** In a valid run order (every stage after its needs), as written where `needs` allows. */
  readonly stages: Readonly<Record<string, ResolvedStage>>;
  readonly report: ResolvedReport;
}

export function isComposed(m: ResolvedModel): m is ComposedModel {
  return 'compose' in m;
}

export function isBlockNode(n: GraphNode): n is BlockNode {
  return 'block' in n;
}
