/**
 * Size limits of the wire format. A signed reading with every measurement is about 330 bytes, so 2 KiB leaves
 * room for growth while keeping a flood of oversized payloads cheap to refuse before parsing.
 */
export const Limits = {
  /** Bytes of one signed reading as published on MQTT. */
  maxEnvelopeBytes: 2048,
  /** Object/array nesting of any JSON we parse. The envelope needs 3 (envelope, reading, measurements, location). */
  maxJsonDepth: 8,
  /** Characters of any identifier (device, shipment, organisation, product). */
  maxIdLength: 64,
  /** Characters of any free-text string (metadata values, dispositions). */
  maxTextLength: 512,
  /** Readings in one RecordReadings transaction. Measured: see the chaincode README. */
  maxReadingsPerBatch: 500,
  /**
   * Sequence numbers in one receipt (`ReadingReceipt`). A transaction's readings of one device are split over as
   * many receipts as needed, so that a receipt, like a reading, fits in `maxEnvelopeBytes` (100 of the largest
   * numbers, a 64-character device id and a transaction id: about 1,900 bytes) and one broker packet limit fits
   * every message on a device's topics.
   */
  maxReceiptSeqs: 100,
  /** Largest sequence number: keeps it an exact JSON number everywhere. */
  maxSeq: Number.MAX_SAFE_INTEGER,
  /** Device timestamps before this (2020-01-01) are certainly a broken clock. */
  minMeasuredAt: Date.UTC(2020, 0, 1),
  /** ... and after this (2100-01-01). Finer skew checks use the checker's own clock. */
  maxMeasuredAt: Date.UTC(2100, 0, 1),
} as const;

/**
 * Identifiers: ASCII letters, digits and `._:-`, starting with a letter or digit. This keeps ids safe inside
 * MQTT topics (no `+`, `#`, `/`), Fabric composite keys (no U+0000) and URLs.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The organisation whose members may read everything and write nothing: the chaincode makes every identity of it
 * an auditor, and the gateway's auditor API keys act as it.
 */
export const AUDITOR_MSP = 'AuditorMSP';
