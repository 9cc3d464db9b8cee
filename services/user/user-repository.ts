import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../shared/db/db-errors';
import { AppError } from '../../shared/errors/app-error';
import type { User } from '../../gen/user/v1/user';
import type { Role, UserDatabase, UserRow } from './db/schema';

/** Fields a profile update may change. */
export interface UserChanges {
  name?: string;
  email?: string;
  role?: Role;
}

/** A page of registered users in (created_at, id) order, with the total count. */
export interface UserPage {
  rows: UserRow[];
  total: number;
}

const alreadyRegistered = () => new AppError('ALREADY_EXISTS', 'email: already registered');

/** The proto form of a row. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Reads and writes `users` rows; a duplicate email becomes ALREADY_EXISTS. Reads see registered
 * (active) users only; unfinished registrations are reached through the *Unfinished methods.
 */
export class UserRepository {
  constructor(private readonly db: Kysely<UserDatabase>) {}

  /**
   * Inserts the profile of a registration that has begun (`pending`, invisible to reads until
   * {@link activate}) and returns the row; ALREADY_EXISTS when the email is taken, also by
   * another unfinished registration.
   */
  async insertPending(user: { id: string; email: string; name: string; role: Role }): Promise<UserRow> {
    const now = new Date().toISOString();
    const row: UserRow = { ...user, status: 'pending', created_at: now, updated_at: now };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyRegistered();
      throw err;
    }
    return row;
  }

  /** Completes a registration: the profile becomes visible. */
  async activate(id: string): Promise<void> {
    await this.db.updateTable('users').set({ status: 'active' }).where('id', '=', id).execute();
  }

  /** Marks an unfinished registration as given up (its credentials still need removing). */
  async abandon(id: string): Promise<void> {
    await this.db.updateTable('users').set({ status: 'abandoned' }).where('id', '=', id).where('status', '!=', 'active').execute();
  }

  /** The unfinished registration holding `email`, if any (pending or abandoned). */
  async findUnfinishedByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).where('status', '!=', 'active').executeTakeFirst();
  }

  /** Unfinished registrations to resolve: abandoned ones, and pending ones begun before `before` (ISO). */
  async findUnfinished(before: string, limit: number): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'abandoned'), eb.and([eb('status', '=', 'pending'), eb('created_at', '<', before)])]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** Deletes an unfinished registration's profile; false if it is gone or has completed meanwhile. */
  async deleteUnfinished(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).where('status', '!=', 'active').executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The registered (active) user with `id`, or undefined. */
  async findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
  }

  /** Applies `changes` (bumping updated_at) and returns the new row, or undefined if `id` is gone. */
  async update(id: string, changes: UserChanges): Promise<UserRow | undefined> {
    try {
      return await this.db
        .updateTable('users')
        .set({ ...changes, updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .returningAll()
        .executeTakeFirst();
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyRegistered();
      throw err;
    }
  }

  /** Puts a row's editable columns back to `previous` (undoing an update a later step refused). */
  async restore(previous: UserRow): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ email: previous.email, name: previous.name, role: previous.role, updated_at: previous.updated_at })
      .where('id', '=', previous.id)
      .execute();
  }

  /** Deletes the user with `id`; true if there was one. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** A page of users, oldest first (ties broken by id so pages never overlap). */
  async list(limit: number, offset: number): Promise<UserPage> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('status', '=', 'active')
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    const { total } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | bigint>().as('total'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return { rows, total: Number(total) };
  }
}
