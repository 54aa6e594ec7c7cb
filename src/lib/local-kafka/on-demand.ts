import type * as Cluster from './cluster.js'
import {type DownResult, type LocalKafkaOptions, type LocalKafkaStatus, type UpResult} from './cluster.js'

/**
 * The local Kafka as kq's public API exports it: each function loads the cluster code (with
 * child_process, certificates and storage) when first called. Every job file imports kq, and a
 * one-job `kq dispatch` would otherwise parse all of it before sending anything.
 */
const loadCluster = async (): Promise<typeof Cluster> => import('./cluster.js')

export async function startLocalKafka(options?: LocalKafkaOptions): Promise<UpResult> {
  return (await loadCluster()).startLocalKafka(options)
}

export async function stopLocalKafka(options?: Parameters<typeof Cluster.stopLocalKafka>[0]): Promise<DownResult> {
  return (await loadCluster()).stopLocalKafka(options)
}

export async function localKafkaStatus(options?: {dir?: string}): Promise<LocalKafkaStatus> {
  return (await loadCluster()).localKafkaStatus(options)
}
