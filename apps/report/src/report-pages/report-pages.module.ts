import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { ReportPagesController } from './report-pages.controller';

/** The console's report pages, over the reports module's queries. */
@Module({ imports: [ReportsModule], controllers: [ReportPagesController] })
export class ReportPagesModule {}
