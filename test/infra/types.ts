/** Connection details of the test servers, shared by the whole test run. */

export interface KafkaInfo {
  /** the internal PLAINTEXT listener (anonymous, super user), e.g. ['127.0.0.1:39092'] */
  readonly brokers: readonly string[];
  /** the listener remote sites use: SASL_SSL with SCRAM-SHA-512, ACLs enforced */
  readonly site: KafkaSiteListener;
}

/** The SASL_SSL listener of the test Kafka; users come from `addSiteUser` (test/infra/servers/kafka.ts). */
export interface KafkaSiteListener {
  /** e.g. ['127.0.0.1:39094'] */
  readonly brokers: readonly string[];
  /** PEM file of the CA that signed the broker certificate */
  readonly caFile: string;
  /** the same CA, PEM text */
  readonly ca: string;
}

export interface S3Info {
  /** e.g. 'http://127.0.0.1:39000' (path-style addressing required) */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** pid of the MinIO process, so outage tests can stop and continue it */
  readonly pid: number;
}

export interface KubeInfo {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** kubeconfig file with contexts `admin` (default, token, system:masters) and `operator` (token, no rights until RBAC grants them) */
  readonly kubeconfig: string;
  readonly caFile: string;
  readonly adminToken: string;
  readonly operatorToken: string;
  /** kubectl built at the server's version */
  readonly kubectl: string;
  readonly etcdEndpoint: string;
}

export interface HelmInfo {
  readonly helm: string;
  /** env to pass to helm so it keeps its cache out of $HOME */
  readonly env: Readonly<Record<string, string>>;
}

export interface PrometheusInfo {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly promtool: string;
  /** file_sd target file: write [{"targets":["127.0.0.1:PORT"],"labels":{...}}] to add scrape targets */
  readonly targetsFile: string;
}

export interface SqlInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** connection URL for pg / mysql2 */
  readonly url: string;
}

export interface InfraInfo {
  kafka?: KafkaInfo;
  s3?: S3Info;
  kube?: KubeInfo;
  helm?: HelmInfo;
  prometheus?: PrometheusInfo;
  postgres?: SqlInfo;
  mariadb?: SqlInfo;
}

export type ServerName = keyof InfraInfo;
