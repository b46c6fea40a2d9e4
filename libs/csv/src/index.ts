export { CsvRecordReader, CsvSyntaxError, type RecordHandler } from './csv-record-reader';
