import { Module } from '@nestjs/common';
import { StaffAccountsController } from './staff-accounts.controller';

/** The administrators' page for console accounts. */
@Module({ controllers: [StaffAccountsController] })
export class StaffAccountsModule {}
