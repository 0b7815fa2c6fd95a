import Foundation
import BoundedJSON

/// One press of a jitsudo button in Slack, from the `payload` field of a `block_actions` interaction
/// (`application/x-www-form-urlencoded`). Pure parsing: nothing here is trusted before the signature was checked.
struct SlackInteraction: Sendable, Equatable {
    enum Choice: String, Sendable { case approve, deny }

    /// The Slack user who pressed the button (`U…`).
    var userID: String
    var choice: Choice
    /// The request the button names (its `value`).
    var requestID: String
    /// Where the message is, for `chat.update` (empty when Slack did not say).
    var channelID: String
    var messageTimestamp: String

    /// The action ids of the buttons the notifier renders.
    static let approveActionID = "jitsudo_approve"
    static let denyActionID = "jitsudo_deny"

    struct Malformed: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses the form body Slack posts.
    static func parse(formBody: [UInt8]) throws(Malformed) -> SlackInteraction {
        guard let payload = URLEncodedForm.fields(String(decoding: formBody, as: UTF8.self))["payload"] else {
            throw Malformed("the body has no payload field")
        }
        let decoded: Payload
        do {
            decoded = try JSONDecoder().decodeBounded(Payload.self, from: Data(payload.utf8))
        } catch {
            throw Malformed("the payload is not a block_actions interaction")
        }
        guard decoded.type == "block_actions" else { throw Malformed("interactions of type \(decoded.type.prefix(40)) are not handled") }
        guard let action = decoded.actions?.first(where: { [approveActionID, denyActionID].contains($0.actionID) }) else {
            throw Malformed("the payload has no jitsudo approve or deny action")
        }
        guard let value = action.value, !value.isEmpty, value.count <= 64 else { throw Malformed("the action names no request") }
        guard !decoded.user.id.isEmpty, decoded.user.id.count <= 64 else { throw Malformed("the payload names no Slack user") }
        return SlackInteraction(
            userID: decoded.user.id, choice: action.actionID == approveActionID ? .approve : .deny, requestID: value,
            channelID: decoded.channel?.id ?? decoded.container?.channelID ?? "",
            messageTimestamp: decoded.message?.ts ?? decoded.container?.messageTimestamp ?? "")
    }

    /// The parts of Slack's payload we read.
    private struct Payload: Decodable {
        struct User: Decodable { var id: String }
        struct Action: Decodable {
            var actionID: String
            var value: String?
            enum CodingKeys: String, CodingKey {
                case actionID = "action_id"
                case value
            }
        }
        struct Channel: Decodable { var id: String }
        struct Message: Decodable { var ts: String }
        struct Container: Decodable {
            var channelID: String?
            var messageTimestamp: String?
            enum CodingKeys: String, CodingKey {
                case channelID = "channel_id"
                case messageTimestamp = "message_ts"
            }
        }
        var type: String
        var user: User
        var actions: [Action]?
        var channel: Channel?
        var message: Message?
        var container: Container?
    }
}
