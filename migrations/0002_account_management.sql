ALTER TABLE `sessions` ADD `last_seen_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `user_agent` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `location` text;--> statement-breakpoint
ALTER TABLE `users` ADD `deleted_at` integer;