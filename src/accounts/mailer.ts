// Outgoing mail (recovery codes) behind one small interface. Production sends through
// Cloudflare's send_email binding; local dev and tests use a sink that logs one JSON line
// per mail, which a person or a test can read off the log.
import { EmailMessage } from "cloudflare:email";
import { config } from "../platform/config";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The recovery code in the mail, logged by the console sink. */
  code: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export const consoleMailer: Mailer = {
  async send(mail) {
    console.log(JSON.stringify({ mail: { to: mail.to, subject: mail.subject, code: mail.code } }));
  },
};

function sendEmailMailer(binding: SendEmail, from: string): Mailer {
  return {
    async send(mail) {
      const raw = [
        `From: ${from}`,
        `To: ${mail.to}`,
        `Subject: ${mail.subject}`,
        `Message-ID: <${crypto.randomUUID()}@${from.split("@")[1] ?? "localhost"}>`,
        `Date: ${new Date().toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        mail.text,
      ].join("\r\n");
      await binding.send(new EmailMessage(from, mail.to, raw));
    },
  };
}

export function mailer(env: Env): Mailer {
  return config(env).mailer === "send_email" ? sendEmailMailer(env.MAIL, env.MAIL_FROM) : consoleMailer;
}
