export { CsvRecordReader, CsvSyntaxError, type RecordHandler } from './csv-record-reader';
export { csvField, csvLine, spreadsheetTextField } from './csv-fields';
