CREATE INDEX `recovery_codes_expiry_idx` ON `recovery_codes` (`expires_at`);--> statement-breakpoint
CREATE INDEX `sessions_expiry_idx` ON `sessions` (`expires_at`);