// A remote in an S3 bucket (s3://bucket/prefix), through @aws-sdk/client-s3, loaded only when such
// a remote is used. A PutObject is atomic (readers see the old object or the new one), which is
// all entries.ts needs. Credentials come from the SDK's default chain (environment, ~/.aws, SSO,
// an instance or container role); pipe never reads, writes or prints them. With an endpoint (an
// S3-compatible server: MinIO, Ceph, s3rver...) requests are path-style, and the SDK's newer
// default CRC checksums are only sent where the API requires them, since such servers often lag
// behind them; every file's sha256 is checked by pipe itself anyway.
import type { S3Client } from '@aws-sdk/client-s3';
import type { RemoteSpec } from './url.js';
import { checkObjectName, type ObjectStore } from './objects.js';

type S3Spec = Extract<RemoteSpec, { kind: 's3' }>;
type S3Module = typeof import('@aws-sdk/client-s3');

export class BucketObjects implements ObjectStore {
  readonly url: string;

  private constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    private readonly spec: S3Spec,
  ) {
    this.url = spec.url;
  }

  static async open(spec: S3Spec, env: NodeJS.ProcessEnv): Promise<BucketObjects> {
    // The SDK warns on every run under Node 20 that its releases from 2027 on need Node 22; the
    // version the lockfile pins runs on Node 20, and the warning is not the user's to act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const s3 = await import('@aws-sdk/client-s3');
    // AWS itself needs the bucket's region (the SDK's chain finds it); a compatible server mostly
    // ignores it, but the SDK refuses to sign without one.
    const region = spec.region ?? (spec.endpoint ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1') : undefined);
    const client = new s3.S3Client({
      ...(region ? { region } : {}),
      ...(spec.endpoint ? { endpoint: spec.endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      maxAttempts: 3,
    });
    return new BucketObjects(s3, client, spec);
  }

  /** Whether the bucket is there (false: it is not); other failures (unreachable, refused) throw. */
  async bucketExists(): Promise<boolean> {
    try {
      await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.spec.bucket }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  private key(name: string): string {
    return this.spec.prefix + checkObjectName(name);
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new this.s3.ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: this.spec.prefix + prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key.slice(this.spec.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }

  async read(name: string): Promise<Uint8Array | null> {
    try {
      const got = await this.client.send(new this.s3.GetObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
      return got.Body ? await got.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new this.s3.PutObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name), Body: bytes, ContentLength: bytes.byteLength }));
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.client.send(new this.s3.HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new this.s3.DeleteObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
  }

  /** Closes the client's kept-alive connections, which would otherwise hold the process open. */
  close(): void {
    this.client.destroy();
  }
}

function notFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.name === 'NoSuchBucket' || err?.$metadata?.httpStatusCode === 404;
}
