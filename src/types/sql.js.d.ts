// Types for sql.js 1.17 (the published @types/sql.js describes 1.4 and lacks BigInt
// parameters, `useBigInt` and `Database.filename`, which this project relies on).
declare module 'sql.js' {
  export type SqlValue = number | string | Uint8Array | bigint | null;
  export type ParamsObject = Record<string, SqlValue>;
  export type BindParams = SqlValue[] | ParamsObject | null;
  export interface QueryExecResult {
    columns: string[];
    values: SqlValue[][];
  }
  export interface StatementGetConfig {
    /** Return 64-bit integers as BigInt instead of (possibly rounded) numbers. */
    useBigInt?: boolean;
  }
  export interface Statement {
    bind(values?: BindParams): boolean;
    step(): boolean;
    get(params?: BindParams, config?: StatementGetConfig): SqlValue[];
    getAsObject(params?: BindParams, config?: StatementGetConfig): Record<string, SqlValue>;
    getColumnNames(): string[];
    run(values?: BindParams): void;
    reset(): boolean;
    free(): boolean;
  }
  export class Database {
    constructor(data?: ArrayLike<number> | Buffer | null);
    /** The database's file name inside sql.js's in-memory file system (usable with ATTACH). */
    readonly filename: string;
    run(sql: string, params?: BindParams): Database;
    exec(sql: string, params?: BindParams, config?: StatementGetConfig): QueryExecResult[];
    prepare(sql: string, params?: BindParams): Statement;
    export(): Uint8Array;
    close(): void;
    getRowsModified(): number;
    create_function(name: string, func: (...args: SqlValue[]) => SqlValue): Database;
  }
  export interface SqlJsStatic {
    Database: typeof Database;
  }
  export interface SqlJsConfig {
    wasmBinary?: ArrayBuffer;
    locateFile?: (file: string) => string;
  }
  export default function initSqlJs(config?: SqlJsConfig): Promise<SqlJsStatic>;
}
