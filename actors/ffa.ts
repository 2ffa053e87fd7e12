/**
 * The FF-A ABI as the models use it (SCENARIOS.md section 4; Arm FF-A v1.2, as Xen's
 * xen/arch/arm/tee/ffa_private.h and xen/include/public/... spell it): function ids, return
 * codes and versions. Models put these numbers in their messages so traces read like the
 * registers a reviewer would see.
 */

/** FF-A function ids (w0 of the SMC). */
export const FFA = {
  ERROR: 0x84000060,
  SUCCESS_32: 0x84000061,
  SUCCESS_64: 0xc4000061,
  VERSION: 0x84000063,
  FEATURES: 0x84000064,
  RX_RELEASE: 0x84000065,
  RXTX_MAP_64: 0xc4000066,
  RXTX_UNMAP: 0x84000067,
  PARTITION_INFO_GET: 0x84000068,
  MEM_SHARE_64: 0xc4000073,
  MEM_RECLAIM: 0x84000077,
  NOTIFICATION_BIND: 0x8400007f,
  NOTIFICATION_SET: 0x84000081,
  NOTIFICATION_GET: 0x84000082,
  NOTIFICATION_INFO_GET_64: 0xc4000083,
  MSG_SEND2: 0x84000086,
  /** S0 corrects it from 0x8400008B. */
  PARTITION_INFO_GET_REGS: 0xc400008b,
} as const;

/** FF-A return codes (w2 of FFA_ERROR); 0 is success. */
export const FFA_RET = {
  OK: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  NO_MEMORY: -3,
  BUSY: -4,
  INTERRUPTED: -5,
  DENIED: -6,
  RETRY: -7,
  ABORTED: -8,
  NO_DATA: -9,
} as const;

/** The name of a return code, for traces and assertion messages: `FFA_RET_BUSY`. */
export function retName(code: number): string {
  const found = Object.entries(FFA_RET).find(([, v]) => v === code);
  return found ? `FFA_RET_${found[0]}` : `ret ${code}`;
}

/** The name of a function id, for traces: `FFA_PARTITION_INFO_GET`. */
export function fidName(fid: number): string {
  const found = Object.entries(FFA).find(([, v]) => v === fid);
  return found ? `FFA_${found[0]}` : `fid 0x${fid.toString(16)}`;
}

/** FF-A versions: (major << 16) | minor. */
export const FFA_VERSION = { V1_0: 0x10000, V1_1: 0x10001, V1_2: 0x10002 } as const;

/** Interrupt ids: notification pending (to guests) and schedule receiver (from the SPMC). */
export const NPI_SGI = 8;
export const SRI_SGI = 9;

/** Limits: FFA_MAX_SHM_COUNT per guest; the SP list cap. */
export const FFA_MAX_SHM_COUNT = 32;
export const FFA_SP_LIST_MAX = 64;
